using k8s.Models;

namespace Podvisor.Node.Abstractions;

/// <summary>
/// The node agent as its pod source sees it (the API store for <c>serve</c>, the manifest for <c>run</c>).
/// Calls return at once; work happens on the pod's worker.
/// </summary>
public interface IPodAgent
{
    /// <summary>
    /// A new pod, or a newer version of a known one (same UID). The pod's <c>status</c>, when present, is the last
    /// status written before (used after a restart of the agent: e.g. a True AllContainersRestarting resumes its cycle).
    /// </summary>
    void UpsertPod(V1Pod pod);

    /// <summary>
    /// Starts graceful deletion (docs/lifecycle.md §10.2): preStop, grace period, regular containers first and sidecars last.
    /// <paramref name="gracePeriodSeconds"/> overrides spec.terminationGracePeriodSeconds; 0 kills at once.
    /// <see cref="IPodStatusSink.PodTerminated"/> is called when every container is gone.
    /// </summary>
    void DeletePod(string uid, long? gracePeriodSeconds);

    /// <summary>
    /// The pods the agent runs or terminates, each as last handed over (a deleted one with its deletionTimestamp):
    /// the read-back a pod source reconciles against. A pod leaves the list once it is terminated and removed.
    /// </summary>
    IReadOnlyList<V1Pod> GetPods();

    /// <summary>A ConfigMap or Secret in <paramref name="ns"/> was created, changed or deleted: its pods sync again.</summary>
    void ConfigObjectsChanged(string ns);
}

/// <summary>Where the agent writes what it observes. Implementations must be thread-safe and must not block.</summary>
public interface IPodStatusSink
{
    /// <summary>A pod's status changed (only called when something in it changed).</summary>
    void StatusChanged(string uid, V1PodStatus status);

    /// <summary>An event about a pod (involvedObject set, timestamps filled).</summary>
    void EventRecorded(Corev1Event evt);

    /// <summary>A deleted pod has no containers left and reached its final status: the object may be removed.</summary>
    void PodTerminated(string uid);
}
