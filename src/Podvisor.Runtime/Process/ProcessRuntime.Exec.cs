using Podvisor.Runtime.Process.Native;

namespace Podvisor.Runtime.Process;

public sealed partial class ProcessRuntime
{
    /// <summary>Mirrors the kubelet's exec probe output limit (10 KiB); the rest is read and dropped.</summary>
    private const int MaxExecOutputBytes = 10 * 1024;

    /// <summary>
    /// Mirrors CRI ExecSync: argv in the container's mount and network namespaces (entered through its pidfd), with its
    /// env, user and workingDir, in a session of its own; combined stdout+stderr; SIGKILL to the exec's process group
    /// on timeout (a timeout of zero or less means none). Like a CRI error, a container that is not running or a
    /// command that cannot be started throws <see cref="ContainerStartException"/>, distinct from a non-zero exit.
    /// </summary>
    public async ValueTask<ExecResult> ExecSyncAsync(string containerId, IReadOnlyList<string> argv, TimeSpan timeout, CancellationToken ct)
    {
        var (container, target) = RunningContainer(containerId);
        var (read, write) = Pipes.Create();
        (int Pid, SafeFd Pidfd) started;
        try
        {
            started = await SpawnExecAsync(container.Record, target, argv, new ExecIo(null, null, write, write));
        }
        catch
        {
            read.Dispose();
            throw;
        }
        finally
        {
            write.Dispose();
        }

        var output = new CappedOutput(MaxExecOutputBytes);
        var exec = ChildProcess.Watch(_reactor, started.Pid, started.Pidfd, _time, (read, output));
        var timedOut = 0;
        using var deadline = timeout > TimeSpan.Zero
            ? _time.CreateTimer(_ => { Interlocked.Exchange(ref timedOut, 1); exec.SignalGroup(Libc.SIGKILL); }, null, timeout, Timeout.InfiniteTimeSpan)
            : null;
        using var cancellation = ct.Register(() => exec.SignalGroup(Libc.SIGKILL));
        var exit = await exec.Completion;
        ct.ThrowIfCancellationRequested();
        return new ExecResult(exit.ExitCode ?? -1, output.Text, Volatile.Read(ref timedOut) == 1);
    }
}
