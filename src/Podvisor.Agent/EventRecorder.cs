using System.Collections.Concurrent;
using k8s.Models;
using Podvisor.Core.Model;
using Podvisor.Node.Abstractions;

namespace Podvisor.Agent;

/// <summary>
/// Builds kubelet-style events (source component "kubelet", involvedObject with the container fieldPath) and
/// aggregates repeats like client-go's event correlator: the same object, fieldPath, reason and message bump
/// <c>count</c> and <c>lastTimestamp</c> of one event instead of creating another.
/// </summary>
public sealed class EventRecorder(IPodStatusSink sink, TimeProvider time, string nodeName)
{
    public const string TypeNormal = "Normal";
    public const string TypeWarning = "Warning";

    private readonly ConcurrentDictionary<(string Uid, string? FieldPath, string Reason, string Message), Corev1Event> _seen = new();

    public void Pod(V1Pod pod, string type, string reason, string message, string component = "kubelet") =>
        Record(pod, null, type, reason, message, component);

    public void Container(V1Pod pod, string containerName, string type, string reason, string message) =>
        Record(pod, FieldPath(pod.Spec, containerName), type, reason, message, "kubelet");

    /// <summary>Forgets a deleted pod's aggregation state.</summary>
    public void ForgetPod(string uid)
    {
        foreach (var key in _seen.Keys.Where(k => k.Uid == uid))
        {
            _seen.TryRemove(key, out _);
        }
    }

    /// <summary>kubelet's container reference: <c>spec.containers{name}</c> or <c>spec.initContainers{name}</c>.</summary>
    public static string FieldPath(V1PodSpec spec, string containerName) =>
        spec.InitContainersOrEmpty().Any(c => c.Name == containerName)
            ? $"spec.initContainers{{{containerName}}}"
            : $"spec.containers{{{containerName}}}";

    private void Record(V1Pod pod, string? fieldPath, string type, string reason, string message, string component)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var key = (pod.Metadata.Uid, fieldPath, reason, message);
        Corev1Event evt;
        lock (_seen)
        {
            if (_seen.TryGetValue(key, out var previous))
            {
                evt = Clone(previous);
                evt.Count = (previous.Count ?? 1) + 1;
                evt.LastTimestamp = now;
            }
            else
            {
                evt = New(pod, fieldPath, type, reason, message, component, now);
            }

            _seen[key] = evt;
        }

        sink.EventRecorded(evt);
    }

    private Corev1Event New(V1Pod pod, string? fieldPath, string type, string reason, string message, string component, DateTime now) => new()
    {
        ApiVersion = "v1",
        Kind = "Event",
        Metadata = new V1ObjectMeta
        {
            Name = $"{pod.Metadata.Name}.{(ulong)now.Ticks * 100:x}",
            NamespaceProperty = pod.Metadata.NamespaceProperty,
        },
        InvolvedObject = new V1ObjectReference
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Name = pod.Metadata.Name,
            NamespaceProperty = pod.Metadata.NamespaceProperty,
            Uid = pod.Metadata.Uid,
            FieldPath = fieldPath,
        },
        Reason = reason,
        Message = message,
        Type = type,
        Count = 1,
        FirstTimestamp = now,
        LastTimestamp = now,
        Source = new V1EventSource { Component = component, Host = component == "kubelet" ? nodeName : null },
        ReportingComponent = component,
        ReportingInstance = component == "kubelet" ? nodeName : "",
    };

    private static Corev1Event Clone(Corev1Event e) => new()
    {
        ApiVersion = e.ApiVersion,
        Kind = e.Kind,
        Metadata = e.Metadata,
        InvolvedObject = e.InvolvedObject,
        Reason = e.Reason,
        Message = e.Message,
        Type = e.Type,
        Count = e.Count,
        FirstTimestamp = e.FirstTimestamp,
        LastTimestamp = e.LastTimestamp,
        Source = e.Source,
        ReportingComponent = e.ReportingComponent,
        ReportingInstance = e.ReportingInstance,
    };
}
