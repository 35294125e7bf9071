using Podvisor.Core.Model;
using Podvisor.Runtime.Process.Native;
using Podvisor.Runtime.Process.Shim;

namespace Podvisor.Runtime.Process;

public sealed partial class ProcessRuntime
{
    /// <summary>
    /// Rebuilds memory from DataDir/runtime and what the shim owns. A sandbox stays Ready only if its network and UTS
    /// namespaces still exist (a reboot removes them). A container the shim still runs is adopted (same ID, pid and
    /// start time; nothing restarts); one that exited meanwhile is reported with its real exit code and finish time.
    /// The shim's copies of the records stand in for records that did not reach the disk before the previous agent
    /// died. A container that was running but that no shim owns (the shim died, or the host rebooted) is killed if it
    /// still exists and reported as upstream reports a lost container: exited 137 with reason ContainerStatusUnknown.
    /// </summary>
    private void Recover(IReadOnlyList<ShimContainer> owned)
    {
        var shim = _shim!;
        var byId = owned.ToDictionary(c => c.Id);
        var sandboxes = _store.LoadSandboxes().ToDictionary(r => r.Id);
        var containers = _store.LoadContainers().ToDictionary(r => r.Id);
        MergeShimRecords(owned, sandboxes, containers);
        foreach (var record in sandboxes.Values.OrderBy(r => r.CreatedAt))
        {
            RecoverSandbox(record);
        }

        foreach (var record in containers.Values.OrderBy(r => r.CreatedAt))
        {
            RecoverContainer(record, byId.GetValueOrDefault(record.Id), shim);
        }

        // Not adopted: removed by the previous agent, which died before the shim heard of it, or already recorded as
        // exited (the shim's copy would otherwise stay until the shim exits, as no removal would forget it).
        foreach (var c in owned.Where(c => !_containers.TryGetValue(c.Id, out var container) || container.Process is null))
        {
            shim.Forget(c.Id);
        }
    }

    /// <summary>
    /// The shim's copies of the records of the containers it runs stand in for the saved ones: a sandbox's when it was
    /// saved not Ready or not at all (and it is saved again), a container's when it was saved Created or not at all (as
    /// Created: adopting it makes it Running).
    /// </summary>
    private void MergeShimRecords(
        IReadOnlyList<ShimContainer> owned, Dictionary<string, SandboxRecord> sandboxes, Dictionary<string, ContainerRecord> containers)
    {
        foreach (var c in owned.Where(c => c.Exit is null))
        {
            if (c.Sandbox is { } sandbox && (!sandboxes.TryGetValue(sandbox.Id, out var saved) || !saved.Ready))
            {
                sandboxes[sandbox.Id] = sandbox;
                _store.Save(sandbox);
            }

            if (c.Record is { } record && (!containers.TryGetValue(record.Id, out var known) || known.State == RuntimeContainerState.Created))
            {
                containers[record.Id] = record with { State = RuntimeContainerState.Created };
            }
        }
    }

    /// <summary>A Ready sandbox keeps its network namespace if it and its UTS namespace still exist, and is no longer Ready if not.</summary>
    private void RecoverSandbox(SandboxRecord record)
    {
        var sandbox = new SandboxInstance(record);
        if (record is { Ready: true, Netns: { } netns })
        {
            if (File.Exists(PodNetwork.NetnsPath(netns)) && (record.Uts is not { } uts || File.Exists(PodUts.PathOf(uts))))
            {
                sandbox.Netns.Replace(PodNetwork.OpenNetns(netns));
            }
            else
            {
                Update(sandbox, r => r with { Ready = false });
            }
        }

        _sandboxes[record.Id] = sandbox;
        Pod(record.PodUid).Sandboxes.Add(sandbox);
    }

    /// <summary>A container the shim owns (<paramref name="owned"/>) is adopted unless recorded as exited; a running one it does not own is lost.</summary>
    private void RecoverContainer(ContainerRecord record, ShimContainer? owned, ShimClient shim)
    {
        var container = new ContainerInstance(record);
        _containers[record.Id] = container;
        Pod(record.PodUid).Containers.Add(container);
        if (owned is { } c && record.State != RuntimeContainerState.Exited)
        {
            Adopt(container, shim.Adopt(c), c);
        }
        else if (record.State == RuntimeContainerState.Running)
        {
            KillRecovered(record);
            Update(container, r => Lost(r, _time.GetUtcNow()));
        }

        if (container.Record.State is RuntimeContainerState.Exited or RuntimeContainerState.Unknown)
        {
            container.Finished.TrySetResult();
        }
    }

    /// <summary>Takes over a process the shim owns: Running as it was started, finished when the shim reports its exit.</summary>
    private void Adopt(ContainerInstance container, ContainerProcess process, ShimContainer owned)
    {
        container.Process = process;
        if (container.Record.State == RuntimeContainerState.Created)
        {
            Update(container, r => r with
            {
                State = RuntimeContainerState.Running, StartedAt = r.StartedAt ?? owned.StartedAt, Pid = owned.Pid, PidStartTime = owned.PidStartTime,
            });
        }

        Log.Adopted(_logger, container.Record.Config.Name, container.Record.Id, container.Record.PodUid, owned.Pid);
        _ = FinishWhenExitedAsync(container, process);
    }

    private static ContainerRecord Lost(ContainerRecord record, DateTimeOffset now) => record with
    {
        State = RuntimeContainerState.Exited,
        ExitCode = LostContainer.ExitCode,
        Reason = ContainerReasons.ContainerStatusUnknown,
        Message = LostContainer.WhenTerminatedMessage,
        FinishedAt = now,
    };

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
