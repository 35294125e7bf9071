using System.Collections.Concurrent;
using k8s.Models;
using Podvisor.Agent;
using Podvisor.Node.Abstractions;

namespace Podvisor.E2E.Tests.Api;

/// <summary>
/// A stand-in node agent: a new pod is reported Running and Ready at once (with Scheduled/Started events); a delete
/// reports the pod Succeeded and then PodTerminated, unless <see cref="HoldDeletes"/> keeps it until released.
/// </summary>
internal sealed class FakeAgent : IPodAgent
{
    private readonly ConcurrentDictionary<string, V1Pod> _pods = new();
    private readonly ConcurrentDictionary<string, V1Pod> _first = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long?>> _deletes = new();
    private IPodStatusSink? _sink;

    public bool HoldDeletes { get; set; }

    /// <summary>When false a new pod is reported Running but not Ready (a test flips it with <see cref="ReportReady"/>).</summary>
    public bool ReadyOnStart { get; set; } = true;

    public IPodStatusSink Sink => _sink ?? throw new InvalidOperationException("not connected");

    public void Connect(IPodStatusSink sink) => _sink = sink;

    /// <summary>The pod as the agent first received it (after a restart: with its last stored status).</summary>
    public V1Pod? FirstUpsert(string uid) => _first.GetValueOrDefault(uid);

    public IReadOnlyList<V1Pod> GetPods() => [.. _pods.Values];

    public void ConfigObjectsChanged(string ns)
    {
    }

    public void UpsertPod(V1Pod pod)
    {
        var uid = pod.Metadata.Uid;
        _first.TryAdd(uid, pod);
        if (!_pods.TryAdd(uid, pod))
        {
            _pods[uid] = pod;
            return;
        }

        Sink.EventRecorded(Event(pod, "Scheduled", $"Successfully assigned {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} to {pod.Spec.NodeName}", "default-scheduler"));
        foreach (var container in pod.Spec.Containers)
        {
            Sink.EventRecorded(Event(pod, "Started", $"Started container {container.Name}", "kubelet"));
        }

        // Events go first: the sink applies in order, so a client that sees Ready also sees the events.
        Sink.StatusChanged(uid, RunningStatus(pod, ready: ReadyOnStart));
    }

    public void DeletePod(string uid, long? gracePeriodSeconds)
    {
        _deletes.GetOrAdd(uid, _ => new TaskCompletionSource<long?>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(gracePeriodSeconds);
        if (!HoldDeletes)
        {
            Terminate(uid);
        }
    }

    /// <summary>Completes a held deletion: final status, then PodTerminated.</summary>
    public void Terminate(string uid)
    {
        if (_pods.TryGetValue(uid, out var pod))
        {
            Sink.StatusChanged(uid, new V1PodStatus { Phase = "Succeeded", Conditions = RunningStatus(pod, ready: false).Conditions });
        }

        Sink.PodTerminated(uid);
        _pods.TryRemove(uid, out _);
    }

    public void ReportReady(string uid) => Sink.StatusChanged(uid, RunningStatus(_pods[uid], ready: true));

    public Task<long?> DeleteRequested(string uid) =>
        _deletes.GetOrAdd(uid, _ => new TaskCompletionSource<long?>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public static V1PodStatus RunningStatus(V1Pod pod, bool ready)
    {
        var now = DateTime.UtcNow;
        var flag = ready ? "True" : "False";
        return new V1PodStatus
        {
            Phase = "Running",
            HostIP = "127.0.0.1",
            PodIP = "10.88.0.7",
            PodIPs = [new V1PodIP { Ip = "10.88.0.7" }],
            StartTime = now,
            QosClass = "BestEffort",
            Conditions =
            [
                new V1PodCondition { Type = "PodReadyToStartContainers", Status = "True", LastTransitionTime = now },
                new V1PodCondition { Type = "Initialized", Status = "True", LastTransitionTime = now },
                new V1PodCondition { Type = "Ready", Status = flag, LastTransitionTime = now },
                new V1PodCondition { Type = "ContainersReady", Status = flag, LastTransitionTime = now },
                new V1PodCondition { Type = "PodScheduled", Status = "True", LastTransitionTime = now },
            ],
            ContainerStatuses = pod.Spec.Containers.Select(c => new V1ContainerStatus
            {
                Name = c.Name,
                Image = c.Image,
                ImageID = "",
                ContainerID = "podvisor://" + c.Name,
                Ready = ready,
                Started = true,
                RestartCount = 0,
                State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = now } },
            }).ToList(),
        };
    }

    private static Corev1Event Event(V1Pod pod, string reason, string message, string component) => new()
    {
        Metadata = new V1ObjectMeta(),
        InvolvedObject = new V1ObjectReference
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Name = pod.Metadata.Name,
            NamespaceProperty = pod.Metadata.NamespaceProperty,
            Uid = pod.Metadata.Uid,
        },
        Reason = reason,
        Message = message,
        Type = "Normal",
        Source = new V1EventSource { Component = component },
    };
}
