using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Podvisor.Core;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Core.Status;
using Podvisor.Node.Abstractions;

namespace Podvisor.Agent.Status;

/// <summary>
/// One pod's share of the kubelet's status manager: the last generated status, the reason cache of failed starts,
/// dedupe of unchanged writes, and the events that mark a status transition (a RestartAllContainers cycle starting,
/// the active deadline passing). Mirrors status_manager.go's cache + generateAPIPodStatus's inputs (docs/lifecycle.md §6.6).
/// Used by one pod worker at a time; the reason cache is also read while a status is generated.
/// </summary>
internal sealed class PodStatusManager(IPodStatusSink sink, EventRecorder events, IProbeResults probes, TimeProvider time, AgentOptions options, V1PodStatus? handedOver)
{
    private readonly ConcurrentDictionary<string, ContainerStartFailure> _reasonCache = new();
    private string? _publishedJson;

    /// <summary>A restart-all request accepted for the next status generation (docs/lifecycle.md §D14).</summary>
    private string? _acceptedRequest;

    /// <summary>The last status generated (or the one the pod was handed over with, after an agent restart); null for a new pod.</summary>
    public V1PodStatus? Current { get; private set; } = handedOver?.Phase is null ? null : handedOver;

    /// <summary>The next generated status starts a cycle for <paramref name="value"/> (docs/restart-all-request.md).</summary>
    public void AcceptRequest(string value) => _acceptedRequest = value;

    /// <summary>Records a failed start: the container's waiting state shows <paramref name="failure"/> until it starts.</summary>
    public void StartFailed(string container, ContainerStartFailure failure) => _reasonCache[container] = failure;

    /// <summary>A container started: its failed start is forgotten (kubelet reasonCache.Remove).</summary>
    public void Started(string container) => _reasonCache.TryRemove(container, out _);

    /// <summary>Records each refused start in the reason cache and as a BackOff event; true when the cache changed.</summary>
    public bool RecordBackOffs(V1Pod pod, PodPlan plan)
    {
        var changed = false;
        foreach (var backOff in plan.BackOffs)
        {
            var failure = new ContainerStartFailure(ContainerReasons.CrashLoopBackOff, backOff.Message);
            changed |= !_reasonCache.TryGetValue(backOff.Name, out var previous) || previous != failure;
            _reasonCache[backOff.Name] = failure;
            events.Container(pod, backOff.Name, EventRecorder.TypeWarning, EventReasons.BackOff,
                $"Back-off restarting failed container {backOff.Name} in pod {GoFormat.Pod(pod)}");
        }

        return changed;
    }

    /// <summary>Generates the API status, writes it when it changed, and records the docs/lifecycle.md §D12 event when a cycle starts.</summary>
    public V1PodStatus Publish(V1Pod pod, RuntimePodStatus runtime, bool podIsTerminal)
    {
        var old = Current;
        var status = PodStatusGenerator.Generate(new StatusInput
        {
            Pod = pod,
            Runtime = runtime,
            OldStatus = old,
            ReasonCache = _reasonCache,
            Probes = probes,
            Gates = options.Gates,
            PodIsTerminal = podIsTerminal,
            Now = time.GetUtcNow(),
            HostIp = options.HostIp,
            RestartAllRequested = _acceptedRequest is not null,
        });
        RecordTransitionEvents(pod, runtime, old, status);
        _acceptedRequest = null;
        Current = status;
        var json = KubernetesJson.Serialize(status);
        if (json != _publishedJson)
        {
            _publishedJson = json;
            sink.StatusChanged(pod.Metadata.Uid, status);
        }

        return status;
    }

    /// <summary>A deleted pod has no containers left and reached its final status: the sink may remove the object.</summary>
    public void Terminated(string uid) => sink.PodTerminated(uid);

    private void RecordTransitionEvents(V1Pod pod, RuntimePodStatus runtime, V1PodStatus? old, V1PodStatus status)
    {
        var cycleStarted = PodConditions.IsRestartingAll(status) && !PodConditions.IsRestartingAll(old);
        if (cycleStarted && (RestartDecider.FindRestartAllTrigger(pod, runtime, old)?.EventMessage
                ?? (_acceptedRequest is { } request ? RestartAllRequest.EventMessage(request) : null)) is { } message)
        {
            events.Pod(pod, EventRecorder.TypeNormal, EventReasons.RestartAllContainers, message);

            // A stale CrashLoopBackOff must not hide the RestartingAllContainers waiting state of the new cycle.
            _reasonCache.Clear();
        }
        else if (_acceptedRequest is { } unused)
        {
            events.Pod(pod, EventRecorder.TypeWarning, EventReasons.RestartAllContainers,
                RestartAllRequest.RefusedMessage(unused, "no container has been created yet"));
        }

        if (status.Reason == ActiveDeadline.Reason && old?.Reason != ActiveDeadline.Reason)
        {
            events.Pod(pod, EventRecorder.TypeNormal, ActiveDeadline.Reason, ActiveDeadline.Message);
        }
    }
}
