using Podvisor.Runtime.Process.Native;

namespace Podvisor.Runtime.Process;

/// <summary>
/// The mount namespace every container's is copied from (spawner thread only): a copy of the host's with / rslave and
/// without <c>/run/netns</c> and <c>/run/utsns</c>, where ip netns and <see cref="PodUts"/> keep one nsfs mount per pod. Copied into every container, those mounts
/// made each spawn and each exit cost O(pods) in the kernel (a 1,000-pod node held 1,000+ mounts per container, and a
/// restart-all storm tore down 3 million of them) and let every container see every pod's network namespace.
/// The base is rebuilt whenever the host's mount table changed since (POLLPRI on the host's mountinfo), so a container
/// sees the host's mounts as of its start, exactly as if copied from the host then (a private / propagates nothing).
/// Between spawns the spawner thread stays in the host's namespace, so threads it happens to create (the thread pool
/// adds workers from the thread that queues work) are in the host's namespace too.
/// </summary>
internal sealed unsafe class BaseMountNamespace : IDisposable
{
    private readonly int _host;
    private readonly int _hostMounts;
    private int _base = -1;

    /// <summary>Call on the spawner thread (own fs_struct) while it is in the host's mount namespace.</summary>
    public BaseMountNamespace()
    {
        _host = Check(Libc.open("/proc/thread-self/ns/mnt", Libc.O_RDONLY | Libc.O_CLOEXEC, 0), "open mnt namespace");
        _hostMounts = Check(Libc.open("/proc/thread-self/mountinfo", Libc.O_RDONLY | Libc.O_CLOEXEC, 0), "open mountinfo");
        HostChanged();
        Rebuild();
        EnterHost();
    }

    /// <summary>
    /// Puts the calling thread (own fs_struct) in the base, rebuilt first if the host's mounts changed since it was made.
    /// </summary>
    public void Enter()
    {
        if (HostChanged())
        {
            Rebuild();
        }
        else
        {
            Check(Libc.setns(_base, Libc.CLONE_NEWNS), "enter the base mount namespace");
        }
    }

    /// <summary>Puts the calling thread back in the host's mount namespace.</summary>
    public void EnterHost() => Check(Libc.setns(_host, Libc.CLONE_NEWNS), "return to host mount namespace");

    public void Dispose()
    {
        Libc.close(_base);
        Libc.close(_hostMounts);
        Libc.close(_host);
    }

    /// <summary>mounts_poll reports POLLPRI once per change of the namespace's mount table (and resets on poll).</summary>
    private bool HostChanged()
    {
        var fd = new Libc.PollFd { Fd = _hostMounts, Events = Libc.POLLPRI };
        return Libc.poll(&fd, 1, 0) > 0 && (fd.Revents & Libc.POLLPRI) != 0;
    }

    /// <summary>A new base from the host's current mounts; the old one stays in use if this fails.</summary>
    private void Rebuild()
    {
        EnterHost();
        Check(Libc.unshare(Libc.CLONE_NEWNS), "unshare(CLONE_NEWNS)");
        Check(Libc.mount(null, "/", null, Libc.MS_REC | Libc.MS_SLAVE, null), "make / rslave");
        foreach (var pins in (ReadOnlySpan<string>)[PodNetwork.NetnsDir, PodUts.UtsDir])
        {
            if (Libc.umount2(pins, Libc.MNT_DETACH) < 0 && Libc.Errno is not (Libc.EINVAL or Libc.ENOENT))
            {
                throw new IOException($"detach {pins}: {Libc.Describe(Libc.Errno)}");
            }
        }

        var fresh = Check(Libc.open("/proc/thread-self/ns/mnt", Libc.O_RDONLY | Libc.O_CLOEXEC, 0), "open mnt namespace");
        if (_base >= 0)
        {
            Libc.close(_base);
        }

        _base = fresh;
    }

    private static int Check(int result, string what) =>
        result >= 0 ? result : throw new IOException($"{what}: {Libc.Describe(Libc.Errno)}");
}
