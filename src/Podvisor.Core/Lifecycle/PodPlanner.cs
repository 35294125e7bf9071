using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Core.Lifecycle;

/// <summary>Everything <see cref="PodPlanner.Compute"/> reads. The backoff is only read, never advanced.</summary>
public sealed record PlannerInput
{
    public required V1Pod Pod { get; init; }
    public required RuntimePodStatus Runtime { get; init; }

    /// <summary>The last API status the agent wrote (carries AllContainersRestarting across syncs and agent restarts).</summary>
    public V1PodStatus? ApiStatus { get; init; }

    public required CrashLoopBackoff Backoff { get; init; }
    public IProbeResults Probes { get; init; } = NoProbeResults.Instance;
    public FeatureGates Gates { get; init; } = FeatureGates.Default;
    public required DateTimeOffset Now { get; init; }
}

/// <summary>
/// Mirrors kubelet computePodActions (spec §5, §6.3, §13) as a pure function: (pod, runtime status, API status,
/// backoff, probes, now) in, an immutable <see cref="PodPlan"/> out.
/// </summary>
public static class PodPlanner
{
    public static PodPlan Compute(PlannerInput input) => throw new NotImplementedException();
}
