using System.Runtime.InteropServices;
using System.Text;

namespace Podvisor.Bench;

/// <summary>A process started by <see cref="DirectSpawner"/>: its pid and a pidfd to wait on.</summary>
internal readonly record struct DirectProcess(int Pid, int Pidfd);

/// <summary>
/// The floor: the mechanism the process runtime uses, minus Podvisor. glibc posix_spawn with the runtime's flags
/// (own session, default signal dispositions, empty mask, stdin /dev/null, no inherited descriptors; output to
/// /dev/null instead of log pipes), pidfd_open, poll on the pidfd, waitid(P_PIDFD). No namespaces, no state files, no
/// agent. Not thread-safe: one instance per thread, like the runtime's one spawner thread.
/// </summary>
internal sealed unsafe class DirectSpawner : IDisposable
{
    private readonly void* _actions = NativeMemory.AllocZeroed(Native.SpawnStructSize);
    private readonly void* _attr = NativeMemory.AllocZeroed(Native.SpawnStructSize);
    private readonly void* _sigset = NativeMemory.AllocZeroed(Native.SigsetSize);
    private readonly byte** _envp;
    private readonly List<nint> _allocations = [];

    public DirectSpawner()
    {
        Ok(Native.posix_spawn_file_actions_init(_actions), "posix_spawn_file_actions_init");
        Ok(Native.posix_spawn_file_actions_addopen(_actions, 0, "/dev/null", Native.O_RDONLY, 0), "posix_spawn_file_actions_addopen");
        Ok(Native.posix_spawn_file_actions_addopen(_actions, 1, "/dev/null", Native.O_WRONLY, 0), "posix_spawn_file_actions_addopen");
        Ok(Native.posix_spawn_file_actions_addopen(_actions, 2, "/dev/null", Native.O_WRONLY, 0), "posix_spawn_file_actions_addopen");
        Ok(Native.posix_spawn_file_actions_addclosefrom_np(_actions, 3), "posix_spawn_file_actions_addclosefrom_np");
        Ok(Native.posix_spawnattr_init(_attr), "posix_spawnattr_init");
        Ok(Native.posix_spawnattr_setflags(_attr, (short)(Native.POSIX_SPAWN_SETSID | Native.POSIX_SPAWN_SETSIGDEF | Native.POSIX_SPAWN_SETSIGMASK)), "posix_spawnattr_setflags");
        Ok(Native.sigfillset(_sigset), "sigfillset");
        Ok(Native.posix_spawnattr_setsigdefault(_attr, _sigset), "posix_spawnattr_setsigdefault");
        Ok(Native.sigemptyset(_sigset), "sigemptyset");
        Ok(Native.posix_spawnattr_setsigmask(_attr, _sigset), "posix_spawnattr_setsigmask");
        _envp = Strings(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]);
    }

    /// <summary>An argv prepared once (argv[0] resolved on the host PATH) for repeated spawns.</summary>
    public Argv Prepare(params string[] argv)
    {
        var path = argv[0].Contains('/') ? argv[0]
            : new[] { "/usr/local/bin", "/usr/bin", "/bin" }.Select(d => Path.Combine(d, argv[0])).First(File.Exists);
        return new Argv(path, Strings(argv));
    }

    public DirectProcess Spawn(Argv argv)
    {
        var error = Native.posix_spawn(out var pid, argv.Path, _actions, _attr, argv.Pointer, _envp);
        if (error != 0)
        {
            throw new IOException($"posix_spawn {argv.Path}: errno {error}");
        }

        var pidfd = (int)Native.syscall(Native.SYS_pidfd_open, pid, 0);
        return pidfd >= 0 ? new DirectProcess(pid, pidfd) : throw new IOException($"pidfd_open: errno {Native.Errno}");
    }

    /// <summary>Blocks until the process exits (poll on its pidfd), reaps it and returns the waitid status.</summary>
    public static int WaitExit(DirectProcess process)
    {
        var fd = new Native.PollFd { Fd = process.Pidfd, Events = Native.POLLIN };
        while (Native.poll(&fd, 1, -1) < 0 && Native.Errno == Native.EINTR)
        {
        }

        var info = stackalloc byte[128];
        while (Native.waitid(Native.P_PIDFD, (uint)process.Pidfd, info, Native.WEXITED) < 0 && Native.Errno == Native.EINTR)
        {
        }

        _ = Native.close(process.Pidfd);
        return *(int*)(info + 24);
    }

    /// <summary>Kills and reaps (cleanup).</summary>
    public static void Kill(DirectProcess process)
    {
        Native.kill(process.Pid, Native.SIGKILL);
        WaitExit(process);
    }

    public void Dispose()
    {
        _ = Native.posix_spawn_file_actions_destroy(_actions);
        _ = Native.posix_spawnattr_destroy(_attr);
        NativeMemory.Free(_actions);
        NativeMemory.Free(_attr);
        NativeMemory.Free(_sigset);
        foreach (var p in _allocations)
        {
            NativeMemory.Free((void*)p);
        }
    }

    /// <summary>posix_spawn_* calls return an errno, sig*set calls -1; either is a broken setup.</summary>
    private static void Ok(int result, string call)
    {
        if (result != 0)
        {
            throw new IOException($"{call}: error {result}");
        }
    }

    private byte** Strings(string[] values)
    {
        var array = (byte**)NativeMemory.AllocZeroed((nuint)(values.Length + 1), (nuint)sizeof(byte*));
        _allocations.Add((nint)array);
        for (var i = 0; i < values.Length; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(values[i]);
            var s = (byte*)NativeMemory.AllocZeroed((nuint)bytes.Length + 1);
            bytes.CopyTo(new Span<byte>(s, bytes.Length));
            _allocations.Add((nint)s);
            array[i] = s;
        }

        return array;
    }

    /// <summary>A resolved executable path and its NULL-terminated native argv (owned by the spawner).</summary>
    internal sealed class Argv(string path, byte** pointer)
    {
        public string Path { get; } = path;
        public byte** Pointer { get; } = pointer;
    }
}
