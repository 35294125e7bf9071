using Microsoft.Extensions.Logging;
using Podvisor.Core.Lifecycle;

namespace Podvisor.Agent.Workers;

/// <summary>One Debug line per sync step (--v=4 in the kubelet's terms), so a pod's handling can be followed in the log.</summary>
internal sealed partial class PodSyncer
{
    private void LogPlan(string phase, PodPlan plan)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
#pragma warning disable CA1873 // the joins run only when Debug is on: guarded above
            Planned(uid, phase, plan.KillPod, plan.CreateSandbox, plan.RestartAllCause,
                string.Join(",", plan.ContainersToKill.Select(k => $"{k.Name}:{k.Reason}")), string.Join(",", plan.ContainersToRemove.Select(r => r.Name)),
                string.Join(",", plan.InitContainersToStart.Concat(plan.ContainersToStart).Select(s => s.Name)),
                string.Join(",", plan.BackOffs.Select(b => b.Name)));
#pragma warning restore CA1873
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Pod {Uid} ({Phase}): killPod={KillPod} createSandbox={CreateSandbox} restartAll={RestartAllCause} kill=[{Kill}] remove=[{Remove}] start=[{Start}] backOff=[{BackOff}]")]
    private partial void Planned(string uid, string? phase, bool killPod, bool createSandbox, string? restartAllCause, string kill, string remove, string start, string backOff);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Pod {Uid} synced: failed={Failed}, next sync at {NextSyncAt:O}, again={SyncAgain}")]
    private partial void Synced(string uid, bool failed, DateTimeOffset nextSyncAt, bool syncAgain);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Pod {Uid} terminating (grace period override {GracePeriodOverride})")]
    private partial void Terminating(string uid, long? gracePeriodOverride);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Pod {Uid} terminated: containers and sandboxes removed")]
    private partial void Terminated(string uid);
}
