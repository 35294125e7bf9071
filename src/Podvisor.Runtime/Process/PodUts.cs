using System.Text;
using Podvisor.Runtime.Process.Native;

namespace Podvisor.Runtime.Process;

/// <summary>
/// A sandbox's UTS namespace: the pod's hostname, shared by all its containers and their execs, as in a CRI sandbox.
/// It is pinned by a bind mount of the namespace at <c>/run/utsns/NAME</c> (where CRI-O's pinns keeps them), so it
/// outlives the agent as <c>ip netns</c> keeps a network namespace under /run/netns. /run/utsns is made a shared mount
/// of its own, as iproute2 makes /run/netns, so that <see cref="BaseMountNamespace"/> can detach it: containers carry
/// no pin per pod, and an unmount on the host reaches every copy.
/// </summary>
internal static class PodUts
{
    public const string UtsDir = "/run/utsns";

    /// <summary>NAME is the sandbox's network namespace name (<see cref="PodNetwork.Names"/>), with or without a netns.</summary>
    public static string PathOf(string name) => Path.Combine(UtsDir, name);

    private static readonly Lock DirGate = new();
    private static bool _dirReady;

    /// <summary>
    /// Creates the namespace with <paramref name="hostname"/> and pins it; on failure nothing is left. Runs on a thread
    /// of its own, started and joined here: unshare(CLONE_NEWUTS) moves only that thread, which then ends (a thread the
    /// thread pool created from it would stay in the pod's namespace), and it is in the host's mount namespace, so the
    /// pin is the host's.
    /// </summary>
    public static Task CreateAsync(string name, string hostname) => Task.Run(() =>
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Create(name, hostname);
            }
            catch (Exception e)
            {
                failure = e;
            }
        }, 256 * 1024) { IsBackground = true, Name = "podvisor-uts" };
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw failure;
        }
    });

    /// <summary>Unpins the namespace (it dies with its last process) and deletes the file; a missing one (or /run/utsns, after a reboot) is fine.</summary>
    public static void Remove(string name)
    {
        var path = PathOf(name);
        if (Libc.umount2(path, Libc.MNT_DETACH) < 0 && Libc.Errno is not (Libc.EINVAL or Libc.ENOENT))
        {
            throw new IOException($"unmount {path}: {Libc.Describe(Libc.Errno)}");
        }

        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    /// <summary>An open handle of the pinned namespace (for setns).</summary>
    public static SafeFd Open(string name) => PinnedNamespace.Open(PathOf(name), "UTS namespace " + name);

    private static unsafe void Create(string name, string hostname)
    {
        EnsureDir();
        var path = PathOf(name);
        Libc.close(Check(Libc.open(path, Libc.O_RDONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC, 0), $"create {path}"));
        try
        {
            Check(Libc.unshare(Libc.CLONE_NEWUTS), "unshare(CLONE_NEWUTS)");
            var bytes = Encoding.UTF8.GetBytes(hostname);
            fixed (byte* p = bytes)
            {
                Check(Libc.sethostname(p, (nuint)bytes.Length), $"sethostname {hostname}");
            }

            Check(Libc.mount("/proc/thread-self/ns/uts", path, null, Libc.MS_BIND, null), $"pin UTS namespace at {path}");
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    /// <summary>As iproute2 prepares /run/netns: shared, and a mount of its own (bound onto itself when it is not).</summary>
    private static void EnsureDir()
    {
        lock (DirGate)
        {
            if (_dirReady)
            {
                return;
            }

            Directory.CreateDirectory(UtsDir);
            if (Libc.mount("", UtsDir, "none", Libc.MS_SHARED | Libc.MS_REC, null) < 0)
            {
                if (Libc.Errno != Libc.EINVAL)
                {
                    throw new IOException($"make {UtsDir} shared: {Libc.Describe(Libc.Errno)}");
                }

                Check(Libc.mount(UtsDir, UtsDir, "none", Libc.MS_BIND | Libc.MS_REC, null), $"bind {UtsDir} onto itself");
                Check(Libc.mount("", UtsDir, "none", Libc.MS_SHARED | Libc.MS_REC, null), $"make {UtsDir} shared");
            }

            _dirReady = true;
        }
    }

    private static int Check(int result, string what) =>
        result >= 0 ? result : throw new IOException($"{what}: {Libc.Describe(Libc.Errno)}");
}

/// <summary>Namespaces pinned by a file (/run/netns/NAME, /run/utsns/NAME).</summary>
internal static class PinnedNamespace
{
    /// <summary>An open handle of the namespace file; <see cref="PodSandboxException"/> when it cannot be opened.</summary>
    public static SafeFd Open(string path, string what)
    {
        var fd = Libc.open(path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        return fd >= 0 ? new SafeFd(fd) : throw new PodSandboxException($"open {what}: {Libc.Describe(Libc.Errno)}");
    }
}
