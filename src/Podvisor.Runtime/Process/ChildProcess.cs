using Podvisor.Runtime.Process.Native;

namespace Podvisor.Runtime.Process;

/// <summary>How a process ended: the exit code as the kernel reports it (128+N for signal N), or null if unknown.</summary>
internal readonly record struct ProcessExit(int? ExitCode, DateTimeOffset FinishedAt);

/// <summary>
/// A spawned process group leader watched by the <see cref="Reactor"/> through its pidfd, with its output pipes.
/// The exit is observed without polling; the pid is reaped with waitid(P_PIDFD) on exactly this process (the .NET
/// runtime only reaps children it started itself). Signals go to the whole process group and are sent only while the
/// leader is unreaped, so a recycled pid can never be hit.
/// </summary>
internal sealed unsafe class ChildProcess : IReactorSource
{
    /// <summary>How long output may keep flowing from escaped descendants after the leader exited.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);

    private readonly object _gate = new();
    private readonly TaskCompletionSource<ProcessExit> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeProvider _time;
    private ulong _token;
    private int _openStreams;
    private ProcessExit? _exit;
    private ITimer? _drainTimer;

    private ChildProcess(int pid, SafeFd pidfd, TimeProvider time)
    {
        Pid = pid;
        Pidfd = pidfd;
        _time = time;
    }

    public int Pid { get; }

    /// <summary>Valid while the process runs; used to enter its namespaces (setns with a pidfd).</summary>
    public SafeFd Pidfd { get; }

    /// <summary>Completes once the leader is reaped and its output reached end of file (or the drain timeout).</summary>
    public Task<ProcessExit> Completion => _completion.Task;

    /// <summary>
    /// Starts watching. Output pipes are registered before the pidfd so no byte written before exit is lost.
    /// </summary>
    public static ChildProcess Watch(Reactor reactor, int pid, SafeFd pidfd, TimeProvider time, params (SafeFd Fd, IOutputSink Sink)[] streams)
    {
        var child = new ChildProcess(pid, pidfd, time) { _openStreams = streams.Length };
        foreach (var (fd, sink) in streams)
        {
            var source = new PipeSource(fd, sink, child);
            source.Token = reactor.Add(fd.Fd, source);
        }

        child._token = reactor.Add(pidfd.Fd, child);
        return child;
    }

    /// <summary>Sends <paramref name="signal"/> to the process group; false once the leader has been reaped.</summary>
    public bool SignalGroup(int signal)
    {
        lock (_gate)
        {
            if (_exit is not null)
            {
                return false;
            }

            Libc.killpg(Pid, signal);
            return true;
        }
    }

    public void OnReady(Reactor reactor, uint events)
    {
        reactor.Remove(Pidfd.Fd, _token);
        lock (_gate)
        {
            // The leader is a zombie, so its pgid is still reserved: take the group down with it, as a container's
            // PID namespace dies with its init process.
            Libc.killpg(Pid, Libc.SIGKILL);
            _exit = new ProcessExit(Reap(), _time.GetUtcNow());
        }

        Pidfd.Dispose();
        if (!TryComplete())
        {
            _drainTimer = _time.CreateTimer(_ => _completion.TrySetResult(_exit.Value), null, DrainTimeout, Timeout.InfiniteTimeSpan);
        }
    }

    private void StreamClosed()
    {
        Interlocked.Decrement(ref _openStreams);
        TryComplete();
    }

    private bool TryComplete()
    {
        ProcessExit? exit;
        lock (_gate)
        {
            exit = _exit;
        }

        if (exit is null || Volatile.Read(ref _openStreams) > 0)
        {
            return false;
        }

        _drainTimer?.Dispose();
        _completion.TrySetResult(exit.Value);
        return true;
    }

    /// <summary>waitid(P_PIDFD): exit status, or 128+signal. Null when the process is not our child (recovery).</summary>
    private int? Reap()
    {
        var info = stackalloc byte[128];
        new Span<byte>(info, 128).Clear();
        int result;
        do
        {
            result = Libc.waitid(Libc.P_PIDFD, (uint)Pidfd.Fd, info, Libc.WEXITED);
        }
        while (result < 0 && Libc.Errno == Libc.EINTR);

        if (result < 0)
        {
            return null;
        }

        var code = *(int*)(info + 8);
        var status = *(int*)(info + 24);
        return code == Libc.CLD_EXITED ? status : 128 + status;
    }

    /// <summary>A non-blocking pipe end drained on the reactor thread.</summary>
    private sealed class PipeSource(SafeFd fd, IOutputSink sink, ChildProcess owner) : IReactorSource
    {
        private const int MaxReadsPerWakeup = 4;

        public ulong Token { get; set; }

        public void OnReady(Reactor reactor, uint events)
        {
            var buffer = reactor.ReadBuffer;
            for (var i = 0; i < MaxReadsPerWakeup; i++)
            {
                nint n;
                fixed (byte* p = buffer)
                {
                    n = Libc.read(fd.Fd, p, buffer.Length);
                }

                if (n > 0)
                {
                    sink.Write(buffer.AsSpan(0, (int)n));
                    continue;
                }

                if (n < 0 && Libc.Errno is Libc.EAGAIN or Libc.EINTR)
                {
                    return;
                }

                reactor.Remove(fd.Fd, Token);
                fd.Dispose();
                sink.Complete();
                owner.StreamClosed();
                return;
            }
        }
    }
}
