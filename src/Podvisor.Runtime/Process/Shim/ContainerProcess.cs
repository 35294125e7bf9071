using Podvisor.Runtime.Process.Native;

namespace Podvisor.Runtime.Process.Shim;

/// <summary>
/// The agent's handle of a container process the shim owns. Signals go through the shim, which sends them only while
/// it has not reaped the process (so a recycled pid is never hit); the agent's own pidfd is for entering the
/// container's namespaces (exec, port-forward) and is opened only if the pid still names the process the shim started.
/// </summary>
internal sealed class ContainerProcess(string id, ShimClient shim)
{
    private readonly TaskCompletionSource<ProcessExit> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Pid { get; private set; }

    /// <summary>Null once exited, or if the process could not be opened.</summary>
    public SafeFd? Pidfd { get; private set; }

    /// <summary>Completes with the exit the shim reported; with a null exit code when the shim was lost.</summary>
    public Task<ProcessExit> Completion => _exit.Task;

    public bool HasExited => _exit.Task.IsCompleted;

    /// <summary>Sends <paramref name="signal"/> to the process group; false once the exit is known.</summary>
    public bool SignalGroup(int signal)
    {
        if (HasExited)
        {
            return false;
        }

        shim.Signal(id, signal);
        return true;
    }

    /// <summary>The container was removed: the shim drops it.</summary>
    public void Forget() => shim.Forget(id);

    internal void Bind(int pid, ulong pidStartTime)
    {
        Pid = pid;
        var fd = Syscalls.PidfdOpen(pid);
        if (fd < 0)
        {
            return;
        }

        var pidfd = new SafeFd(fd);
        if (ProcStat.StartTime(pid) == pidStartTime)
        {
            Pidfd = pidfd;
        }
        else
        {
            pidfd.Dispose();
        }
    }

    internal void Exited(ProcessExit exit)
    {
        if (_exit.TrySetResult(exit))
        {
            Pidfd?.Dispose();
        }
    }
}
