using Podvisor.Core.Model;
using Podvisor.Runtime.Process.Native;

namespace Podvisor.Runtime.Process;

public sealed partial class ProcessRuntime
{
    /// <summary>
    /// Rebuilds memory from DataDir/runtime. A sandbox stays Ready only if its network namespace still exists (a
    /// reboot removes it). A container that was running is killed: its output pipes died with the previous agent, so
    /// it cannot be watched. It is reported as upstream reports a lost container: exited 137 with reason
    /// ContainerStatusUnknown (the runtime did kill it), and the agent restarts it per policy.
    /// </summary>
    /// <summary>SIGKILL's exit code: what a container lost with the agent reports (kubelet: "we killed it").</summary>
    public const int LostExitCode = 137;

    /// <summary>The kubelet's message for a container that disappeared while the API said Running (docs/lifecycle.md §10.3).</summary>
    public const string LostMessage = "The container could not be located when the pod was terminated";

    private void Recover()
    {
        foreach (var record in _store.LoadSandboxes().OrderBy(r => r.CreatedAt))
        {
            var sandbox = new SandboxInstance(record);
            if (record is { Ready: true, Netns: { } netns })
            {
                if (File.Exists(PodNetwork.NetnsPath(netns)))
                {
                    sandbox.Netns.Replace(OpenNetns(netns));
                }
                else
                {
                    Update(sandbox, r => r with { Ready = false });
                }
            }

            _sandboxes[record.Id] = sandbox;
            Pod(record.PodUid).Sandboxes.Add(sandbox);
        }

        foreach (var record in _store.LoadContainers().OrderBy(r => r.CreatedAt))
        {
            var container = new ContainerInstance(record);
            if (record.State == RuntimeContainerState.Running)
            {
                KillRecovered(record);
                Update(container, r => r with
                {
                    State = RuntimeContainerState.Exited,
                    ExitCode = LostExitCode,
                    Reason = ContainerReasons.ContainerStatusUnknown,
                    Message = LostMessage,
                    FinishedAt = _time.GetUtcNow(),
                });
            }

            if (container.Record.State is RuntimeContainerState.Exited or RuntimeContainerState.Unknown)
            {
                container.Finished.TrySetResult();
            }

            _containers[record.Id] = container;
            Pod(record.PodUid).Containers.Add(container);
        }
    }

    /// <summary>SIGKILLs the process group if the pid still names the same process (start time matches).</summary>
    private void KillRecovered(ContainerRecord record)
    {
        if (record.Pid <= 0 || ProcStat.StartTime(record.Pid) != record.PidStartTime)
        {
            return;
        }

        var fd = Syscalls.PidfdOpen(record.Pid);
        if (fd < 0)
        {
            return;
        }

        var pidfd = new SafeFd(fd);
        if (ProcStat.StartTime(record.Pid) != record.PidStartTime)
        {
            pidfd.Dispose(); // the pid was recycled between the check and pidfd_open
            return;
        }

        // Watching reaps it if it is our own child (same agent process); otherwise init does.
        ChildProcess.Watch(_reactor, record.Pid, pidfd, _time).SignalGroup(Libc.SIGKILL);
        Log.KilledRecovered(_logger, record.Config.Name, record.Id, record.PodUid, record.Pid);
    }
}
