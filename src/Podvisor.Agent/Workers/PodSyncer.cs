using k8s.Models;
using Microsoft.Extensions.Logging;
using Podvisor.Agent.Logs;
using Podvisor.Agent.Probes;
using Podvisor.Agent.Status;
using Podvisor.Agent.Volumes;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Runtime;

namespace Podvisor.Agent.Workers;

/// <summary>What a sync asks of its worker next.</summary>
/// <param name="Terminal">The pod reached a terminal phase: terminate it (kubelet SyncTerminatingPod).</param>
/// <param name="NextSyncAt">When the next sync is due (a backoff, a deadline, a retry, or the safety resync).</param>
/// <param name="SyncAgain">The plan did something: act on its result at once (docs/lifecycle.md §D7).</param>
/// <param name="Settled">The sync found nothing to do and nothing due: the runtime state it ended with, for <see cref="PodSyncer.IsQuiet"/>.</param>
internal sealed record SyncOutcome(bool Terminal, DateTimeOffset NextSyncAt, bool SyncAgain = false, RuntimePodStatus? Settled = null);

/// <summary>
/// One pod's SyncPod and SyncTerminatingPod (kubelet.go, kuberuntime_manager.go): observe the runtime once, publish
/// the status, ask <see cref="PodPlanner"/> for the plan and hand it to the <see cref="PlanExecutor"/>; or stop
/// everything and write the final status. Runs on the pod's worker only.
/// </summary>
internal sealed partial class PodSyncer(
    string uid, IContainerRuntime runtime, PodStatusManager status, PlanExecutor executor, PodTerminator terminator,
    ProbeManager prober, VolumeManager volumes, ContainerLogManager logs, CrashLoopBackoff backoff, EventRecorder events, RestartAllRequests requests,
    AgentOptions options, TimeProvider time, ILogger logger)
{
    private bool _lostContainersForgotten;
    private (V1Pod Pod, ContainerHashes Hashes)? _hashes;

    /// <summary>
    /// True when a safety resync would repeat the last sync: the same pod object and a runtime snapshot equal to the
    /// one that sync ended with. Status generation and planning are pure functions of these (plus the prober's results
    /// and the reason cache, whose changes wake the worker), so skipping changes nothing, while a missed runtime event
    /// still shows as a changed snapshot and gets a full sync (docs/decisions.md).
    /// </summary>
    public bool IsQuiet(V1Pod settledPod, RuntimePodStatus settled, V1Pod pod) =>
        ReferenceEquals(pod, settledPod) && settled.SameAs(runtime.GetPodStatus(uid));

    /// <summary>A new value of the restart-all annotation starts a cycle at the current status, or is refused with an event.</summary>
    public void ObserveRestartAllRequest(V1Pod pod)
    {
        if (requests.Observe(pod, status.Current, options.Gates) is not { } request)
        {
            return;
        }

        if (request.Refusal is { } why)
        {
            events.Pod(pod, EventRecorder.TypeWarning, EventReasons.RestartAllContainers, RestartAllRequest.RefusedMessage(request.Value, why));
            return;
        }

        status.AcceptRequest(request.Value);
    }

    /// <summary>One pass of the kubelet's SyncPod: observe, publish status, plan, act (docs/lifecycle.md §5.3).</summary>
    public async Task<SyncOutcome> SyncPodAsync(V1Pod pod, CancellationToken deletion, CancellationToken cancelled)
    {
        await ForgetLostContainersAsync();
        var observed = runtime.GetPodStatus(uid);
        var published = status.Publish(pod, observed, podIsTerminal: false);
        if (PodPhases.IsTerminal(published.Phase))
        {
            return new SyncOutcome(Terminal: true, time.GetUtcNow());
        }

        var now = time.GetUtcNow();
        var hashes = HashesOf(pod);
        var plan = PodPlanner.Compute(new PlannerInput
        {
            Pod = pod,
            Runtime = observed,
            ApiStatus = published,
            Backoff = backoff,
            Probes = prober,
            Gates = options.Gates,
            Now = now,
            Hashes = hashes,
        });
        LogPlan(published.Phase, plan);
        if (status.RecordBackOffs(pod, plan))
        {
            // The waiting state (CrashLoopBackOff) is part of this sync's outcome: publish it now, not at the next wake.
            status.Publish(pod, observed, podIsTerminal: false);
        }

        if (observed.Sandboxes.Count > 0 && VolumeManager.HasProjectedVolumes(pod))
        {
            volumes.Refresh(pod);
        }

        var result = await executor.ExecuteAsync(pod, observed, plan, new PodSyncContext(hashes, status, deletion, cancelled));
        var after = runtime.GetPodStatus(uid);
        if (result.Failed)
        {
            // A failed start (e.g. CreateContainerConfigError) is in the reason cache: show it now, not after the retry backoff.
            status.Publish(pod, after, podIsTerminal: false);
        }

        prober.SyncPod(pod, after, PodIp.Of(pod, after, options.HostIp));
        var next = plan.NextSyncAt ?? now + options.ResyncInterval;
        var outcome = new SyncOutcome(
            Terminal: false,
            NextSyncAt: result.RetryAt is { } retry && retry < next ? retry : next,
            SyncAgain: !plan.IsEmpty && !result.Failed,
            Settled: plan.IsEmpty && plan.NextSyncAt is null && !result.Failed ? after : null);
        Synced(uid, result.Failed, outcome.NextSyncAt, outcome.SyncAgain);
        return outcome;
    }

    /// <summary>
    /// Mirrors SyncTerminatingPod: stop every container (graceful, sidecars last), stop the sandbox, write the terminal
    /// status, remove containers, sandboxes and volumes.
    /// </summary>
    /// <param name="gracePeriodOverride">The deletion's grace period (null: each container's own).</param>
    public async Task TerminatePodAsync(V1Pod pod, long? gracePeriodOverride)
    {
        Terminating(uid, gracePeriodOverride);
        var observed = runtime.GetPodStatus(uid);
        prober.RemovePod(uid);
        await terminator.KillPodAsync(pod, observed, gracePeriodOverride, stopSandbox: true);
        if (!PodPhases.IsTerminal(status.Current?.Phase) || observed.Containers.Count > 0)
        {
            // A pod handed over already terminal (agent restart) keeps the status it had.
            status.Publish(pod, runtime.GetPodStatus(uid), podIsTerminal: true);
        }

        await terminator.RemoveRuntimePodAsync(uid);
        Terminated(uid);
    }

    /// <summary>Mirrors SyncTerminatedPod for a deleted pod: everything the agent kept about it goes (logs unless kept), then the pod is handed back.</summary>
    public void Forget(V1Pod pod)
    {
        backoff.ForgetPod(uid);
        events.ForgetPod(uid);
        requests.Forget();
        if (!options.KeepLogsOfDeletedPods)
        {
            logs.RemovePod(pod);
        }

        status.Terminated(uid);
    }

    /// <summary>Container hashes of the pod object (reference lookups, so a sync that sees a newer pod stays correct).</summary>
    private ContainerHashes HashesOf(V1Pod pod)
    {
        if (_hashes is not { } cached || !ReferenceEquals(cached.Pod, pod))
        {
            _hashes = cached = (pod, ContainerHashes.Of(pod.Spec));
        }

        return cached.Hashes;
    }

    /// <summary>
    /// Before the first sync: instances the runtime lost with the previous agent (reported exited, reason
    /// ContainerStatusUnknown) are removed, so the pod looks as it looks to a kubelet whose runtime no longer has a
    /// container: ShouldContainerBeRestarted starts it again whatever the restart policy (no status), and
    /// convertToAPIContainerStatuses turns the old Running status into lastState ContainerStatusUnknown 137 with
    /// restartCount + 1. Kept as exited failures, they failed every Never pod across an agent restart (RS-07).
    /// </summary>
    private async Task ForgetLostContainersAsync()
    {
        if (_lostContainersForgotten)
        {
            return;
        }

        _lostContainersForgotten = true;
        var lost = runtime.GetPodStatus(uid).Containers
            .Where(c => c is { State: RuntimeContainerState.Exited, Reason: ContainerReasons.ContainerStatusUnknown });
        foreach (var c in lost)
        {
            await runtime.RemoveContainerAsync(c.Id, CancellationToken.None);
        }
    }
}
