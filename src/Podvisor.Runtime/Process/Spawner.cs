using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Podvisor.Runtime.Process.Native;

namespace Podvisor.Runtime.Process;

/// <summary>
/// Starts processes with glibc posix_spawn, one at a time, from ONE dedicated thread. A spawn that needs another
/// identity runs on a throwaway thread that this one starts and joins: it takes its own fs_struct (unshare CLONE_FS),
/// enters the container's namespaces (a fresh mount namespace with bind mounts, the pod's network and UTS namespaces,
/// or a running container's namespaces through its pidfd), drops the bounding capabilities the container may not hold,
/// takes the container's credentials with raw per-thread syscalls and no_new_privs, and spawns; the child inherits all
/// of that. The thread then ends, so nothing has to be undone and no later spawn can inherit a container's identity.
/// Container mount namespaces are copied from a <see cref="BaseMountNamespace"/>. The child always gets its own
/// session (setsid), default signal dispositions, an empty signal mask, /dev/null as stdin (unless given a pipe or a
/// terminal), and no other descriptors.
/// </summary>
internal sealed unsafe class Spawner : IDisposable
{
    private const uint CapabilityVersion3 = 0x20080522;
    private const int PR_CAPBSET_DROP = 24, PR_SET_NO_NEW_PRIVS = 38;

    /// <summary>The kernel's highest capability number (read once).</summary>
    private static readonly Lazy<int> LastCapability = new(() =>
        int.Parse(File.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim(), System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Enough for the spawn path; the default 1.5 MiB per throwaway thread is waste.</summary>
    private const int ThreadStackBytes = 256 * 1024;

    private readonly BlockingCollection<Request> _queue = [];
    private readonly Thread _thread;
    private readonly bool _privileged;
    private BaseMountNamespace? _baseMnt;

    public Spawner(bool privileged)
    {
        _privileged = privileged;
        var ready = new TaskCompletionSource();
        _thread = new Thread(() => Run(ready)) { IsBackground = true, Name = "podvisor-spawner" };
        _thread.Start();
        ready.Task.GetAwaiter().GetResult();
    }

    public Task<SpawnOutcome> SpawnAsync(SpawnSpec spec)
    {
        var request = new Request(spec);
        _queue.Add(request);
        return request.Completion.Task;
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join();
        _queue.Dispose();
        _baseMnt?.Dispose();
    }

    private void Run(TaskCompletionSource ready)
    {
        try
        {
            if (_privileged)
            {
                PrepareThread();
            }

            ready.SetResult();
        }
        catch (Exception e)
        {
            ready.SetException(e);
            return;
        }

        foreach (var request in _queue.GetConsumingEnumerable())
        {
            try
            {
                request.Completion.SetResult(ChangesIdentity(request.Spec) ? OnThrowawayThread(request.Spec) : SpawnOne(request.Spec));
            }
            catch (Exception e)
            {
                request.Completion.SetException(e);
            }
        }
    }

    /// <summary>Detaches this thread's fs_struct and prepares the <see cref="BaseMountNamespace"/>.</summary>
    private void PrepareThread()
    {
        Check(Libc.unshare(Libc.CLONE_FS), "unshare(CLONE_FS)");
        _baseMnt = new BaseMountNamespace();
    }

    private static bool ChangesIdentity(SpawnSpec spec) =>
        spec.Namespaces is not NamespacePlan.Host || spec.Credentials is not null || spec.Capabilities is not null || spec.NoNewPrivileges;

    /// <summary>Runs the spawn on a new thread and waits for it (spawns stay one at a time: the base namespace is shared).</summary>
    private SpawnOutcome OnThrowawayThread(SpawnSpec spec)
    {
        SpawnOutcome outcome = default;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                outcome = SpawnOne(spec);
            }
            catch (Exception e)
            {
                failure = e;
            }
        }, ThreadStackBytes) { IsBackground = true, Name = "podvisor-spawn" };
        thread.Start();
        thread.Join();
        return failure is null ? outcome : throw failure;
    }

    private SpawnOutcome SpawnOne(SpawnSpec spec)
    {
        try
        {
            EnterNamespaces(spec.Namespaces, _baseMnt);
            if (spec.WorkingDir is { } dir && !Directory.Exists(dir))
            {
                throw new SpawnFailure($"chdir to cwd (\"{dir}\") set in config.json failed: no such file or directory");
            }

            var path = ExecutableLookup.Resolve(spec.Argv[0], ExecutableLookup.PathOf(spec.Env), spec.WorkingDir);
            if (spec.Capabilities is { } keep)
            {
                LimitCapabilities(keep);
            }

            if (spec.Credentials is { } credentials)
            {
                SetCredentials(credentials);
            }

            if (spec.NoNewPrivileges)
            {
                Check(Libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)", fail: true);
            }

            var pid = PosixSpawn(path, spec);
            var pidfd = Syscalls.PidfdOpen(pid);
            if (pidfd < 0)
            {
                var error = Libc.Errno;
                Libc.kill(pid, Libc.SIGKILL);
                throw new IOException($"pidfd_open: {Libc.Describe(error)}");
            }

            return new SpawnOutcome(pid, new SafeFd(pidfd), null);
        }
        catch (SpawnFailure failure)
        {
            return new SpawnOutcome(0, null, failure.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new SpawnOutcome(0, null, e.Message);
        }
    }

    /// <summary>
    /// Drops every other capability from this thread's bounding set and empties its inheritable set, so the child
    /// (root or not) can never hold more than <paramref name="keep"/>, even through file capabilities (runc does the same).
    /// </summary>
    private static void LimitCapabilities(IReadOnlySet<int> keep)
    {
        for (var cap = 0; cap <= LastCapability.Value; cap++)
        {
            if (!keep.Contains(cap))
            {
                Check(Libc.prctl(PR_CAPBSET_DROP, (ulong)cap, 0, 0, 0), "prctl(PR_CAPBSET_DROP)", fail: true);
            }
        }

        var header = stackalloc uint[] { CapabilityVersion3, 0 };
        var data = stackalloc uint[6];
        Check((int)Libc.syscall(Syscalls.CapGet, (long)header, (long)data, 0), "capget", fail: true);
        data[2] = data[5] = 0; // inheritable, both words
        Check((int)Libc.syscall(Syscalls.CapSet, (long)header, (long)data, 0), "capset", fail: true);
    }

    private static void EnterNamespaces(NamespacePlan plan, BaseMountNamespace? baseMnt)
    {
        switch (plan)
        {
            case NamespacePlan.Host:
                return;
            case NamespacePlan.JoinProcess join:
                // A thread the thread pool created from this one (it adds workers from the thread that queues work)
                // shares its fs_struct, and setns into a mount namespace needs a private one.
                Check(Libc.unshare(Libc.CLONE_FS), "unshare(CLONE_FS)", fail: true);
                WithFd(join.Pidfd, fd => Check(Libc.setns(fd, Libc.CLONE_NEWNS | Libc.CLONE_NEWNET | Libc.CLONE_NEWUTS), "enter container namespaces", fail: true));
                return;
            case NamespacePlan.NewContainer container:
                Check(Libc.unshare(Libc.CLONE_FS), "unshare(CLONE_FS)", fail: true);
                baseMnt!.Enter();
                if (container.Netns is { } netns)
                {
                    WithFd(netns, fd => Check(Libc.setns(fd, Libc.CLONE_NEWNET), "enter pod network namespace", fail: true));
                }

                if (container.Uts is { } uts)
                {
                    WithFd(uts, fd => Check(Libc.setns(fd, Libc.CLONE_NEWUTS), "enter pod UTS namespace", fail: true));
                }

                Check(Libc.unshare(Libc.CLONE_NEWNS), "unshare(CLONE_NEWNS)", fail: true);
                // rslave rather than rprivate: our binds stay private, yet unmounts on the host (ip netns del) still
                // propagate in, so this namespace never pins another pod's network namespace.
                Check(Libc.mount(null, "/", null, Libc.MS_REC | Libc.MS_SLAVE, null), "make / rslave", fail: true);
                foreach (var mount in container.Mounts.OrderBy(m => m.Target.Count(c => c == '/')))
                {
                    Bind(mount);
                }

                if (container.ReadOnlyRoot)
                {
                    // The host's / as the container's root filesystem: read-only in this namespace only.
                    Check(Libc.mount(null, "/", null, Libc.MS_REMOUNT | Libc.MS_BIND | Libc.MS_RDONLY, null), "remount / read-only", fail: true);
                }

                return;
            default:
                throw new System.Diagnostics.UnreachableException();
        }
    }

    private static void Bind(BindMount mount)
    {
        if (mount.IsFile && !File.Exists(mount.Target) && !Directory.Exists(mount.Target))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(mount.Target)!);
            File.WriteAllBytes(mount.Target, []);
        }
        else if (!mount.IsFile)
        {
            Directory.CreateDirectory(mount.Target);
        }

        Check(Libc.mount(mount.Source, mount.Target, null, Libc.MS_BIND | Libc.MS_REC, null), $"mount {mount.Source} to {mount.Target}", fail: true);
        if (mount.ReadOnly)
        {
            Check(Libc.mount(null, mount.Target, null, Libc.MS_REMOUNT | Libc.MS_BIND | Libc.MS_RDONLY, null), $"remount {mount.Target} read-only", fail: true);
        }
    }

    /// <summary>
    /// Per-thread credentials through raw syscalls (the glibc wrappers would switch every thread). A non-root child
    /// keeps no capability after exec; the thread itself is thrown away.
    /// </summary>
    private static void SetCredentials(Credentials credentials)
    {
        fixed (uint* groups = credentials.Groups)
        {
            Check((int)Libc.syscall(Syscalls.SetGroups, credentials.Groups.Length, (long)groups, 0), "setgroups", fail: true);
        }

        Check((int)Libc.syscall(Syscalls.SetResGid, credentials.Gid, credentials.Gid, credentials.Gid), "setresgid", fail: true);
        Check((int)Libc.syscall(Syscalls.SetResUid, credentials.Uid, credentials.Uid, credentials.Uid), "setresuid", fail: true);
    }

    private static int PosixSpawn(string path, SpawnSpec spec)
    {
        var actions = NativeMemory.AllocZeroed(Libc.SpawnStructSize);
        var attr = NativeMemory.AllocZeroed(Libc.SpawnStructSize);
        var sigset = NativeMemory.AllocZeroed(Libc.SigsetSize);
        using var argv = new NativeStringArray(spec.Argv);
        using var envp = new NativeStringArray(spec.Env);
        try
        {
            Setup(Libc.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            Setup(Libc.posix_spawnattr_init(attr), "posix_spawnattr_init");
            // glibc's child runs setsid before the file actions, so opening a terminal here makes it the controlling one.
            if (spec.Terminal is { } terminal)
            {
                Setup(Libc.posix_spawn_file_actions_addopen(actions, 0, terminal, Terminal.O_RDWR, 0), "posix_spawn_file_actions_addopen");
            }
            else if (spec.Stdin is { } stdin)
            {
                Setup(Libc.posix_spawn_file_actions_adddup2(actions, stdin.Fd, 0), "posix_spawn_file_actions_adddup2");
            }
            else
            {
                Setup(Libc.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", Libc.O_RDONLY, 0), "posix_spawn_file_actions_addopen");
            }

            Setup(Libc.posix_spawn_file_actions_adddup2(actions, spec.Stdout.Fd, 1), "posix_spawn_file_actions_adddup2");
            Setup(Libc.posix_spawn_file_actions_adddup2(actions, spec.Stderr.Fd, 2), "posix_spawn_file_actions_adddup2");
            Setup(Libc.posix_spawn_file_actions_addclosefrom_np(actions, 3), "posix_spawn_file_actions_addclosefrom_np");
            if (spec.WorkingDir is { } dir)
            {
                Setup(Libc.posix_spawn_file_actions_addchdir_np(actions, dir), "posix_spawn_file_actions_addchdir_np");
            }

            // The .NET runtime ignores SIGPIPE and may block signals on this thread: reset both for the child.
            Setup(Libc.posix_spawnattr_setflags(attr, Libc.POSIX_SPAWN_SETSID | Libc.POSIX_SPAWN_SETSIGDEF | Libc.POSIX_SPAWN_SETSIGMASK), "posix_spawnattr_setflags");
            Setup(Libc.sigfillset(sigset), "sigfillset");
            // glibc's sigfillset leaves out its internal signals 32 and 33, and its spawn child would then set them
            // to SIG_IGN, which survives exec. Add their bits directly so they are default too.
            *(ulong*)sigset |= (1UL << 31) | (1UL << 32);
            Setup(Libc.posix_spawnattr_setsigdefault(attr, sigset), "posix_spawnattr_setsigdefault");
            Setup(Libc.sigemptyset(sigset), "sigemptyset");
            Setup(Libc.posix_spawnattr_setsigmask(attr, sigset), "posix_spawnattr_setsigmask");

            var error = Libc.posix_spawn(out var pid, path, actions, attr, argv.Pointer, envp.Pointer);
            return error == 0 ? pid : throw new SpawnFailure($"exec {path}: {Libc.Describe(error)}");
        }
        finally
        {
            // POSIX: destroying an initialised object cannot fail, and nothing could be done about it here.
            _ = Libc.posix_spawn_file_actions_destroy(actions);
            _ = Libc.posix_spawnattr_destroy(attr);
            NativeMemory.Free(actions);
            NativeMemory.Free(attr);
            NativeMemory.Free(sigset);
        }
    }

    /// <summary>
    /// A spawn set-up call's result: posix_spawn_* return an error number, sigfillset/sigemptyset -1. A failure fails
    /// this one start (a SpawnFailure, reported as the container's start error), never goes unnoticed.
    /// </summary>
    private static void Setup(int result, string call)
    {
        if (result != 0)
        {
            throw new SpawnFailure($"{call}: {Libc.Describe(result > 0 ? result : Marshal.GetLastPInvokeError())}");
        }
    }

    private static void WithFd(SafeFd handle, Action<int> action)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            action(handle.Fd);
        }
        catch (ObjectDisposedException)
        {
            throw new SpawnFailure("container is not running");
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static int Check(int result, string what, bool fail = false)
    {
        if (result >= 0)
        {
            return result;
        }

        var message = $"{what}: {Libc.Describe(Libc.Errno)}";
        throw fail ? new SpawnFailure(message) : new IOException(message);
    }

    private sealed record Request(SpawnSpec Spec)
    {
        public TaskCompletionSource<SpawnOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>A NULL-terminated array of NUL-terminated UTF-8 strings in native memory.</summary>
    private readonly struct NativeStringArray : IDisposable
    {
        private readonly byte*[] _strings;

        public NativeStringArray(IReadOnlyList<string> values)
        {
            _strings = new byte*[values.Count];
            Pointer = (byte**)NativeMemory.AllocZeroed((nuint)(values.Count + 1), (nuint)sizeof(byte*));
            for (var i = 0; i < values.Count; i++)
            {
                var bytes = Encoding.UTF8.GetBytes(values[i]);
                var s = (byte*)NativeMemory.AllocZeroed((nuint)bytes.Length + 1);
                bytes.CopyTo(new Span<byte>(s, bytes.Length));
                _strings[i] = s;
                Pointer[i] = s;
            }
        }

        public byte** Pointer { get; }

        public void Dispose()
        {
            foreach (var s in _strings)
            {
                NativeMemory.Free(s);
            }

            NativeMemory.Free(Pointer);
        }
    }
}
