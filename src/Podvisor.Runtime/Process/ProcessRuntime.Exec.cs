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
        var container = Container(containerId);
        if (container.Process is not { HasExited: false } target)
        {
            throw new ContainerStartException($"container \"{containerId}\" is not running");
        }

        var (read, write) = Pipes.Create();
        SpawnOutcome outcome;
        try
        {
            var config = container.Record.Config;
            outcome = await _spawner.SpawnAsync(new SpawnSpec
            {
                Argv = argv.Count > 0 ? argv : throw new SpawnFailure("no command specified"),
                Env = EnvironmentOf(config),
                WorkingDir = string.IsNullOrEmpty(config.WorkingDir) ? "/" : config.WorkingDir,
                Credentials = CredentialsFor(config),
                Namespaces = _privileged ? new NamespacePlan.JoinProcess(target.Pidfd) : new NamespacePlan.Host(),
                Stdout = write,
                Stderr = write,
            });
        }
        catch (SpawnFailure failure)
        {
            outcome = new SpawnOutcome(0, null, failure.Message);
        }
        finally
        {
            write.Dispose();
        }

        if (!outcome.Started)
        {
            read.Dispose();
            throw new ContainerStartException(outcome.Error!);
        }

        var output = new CappedOutput(MaxExecOutputBytes);
        var exec = ChildProcess.Watch(_reactor, outcome.Pid, outcome.Pidfd!, _time, (read, output));
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
