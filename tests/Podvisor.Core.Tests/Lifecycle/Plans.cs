using System.Collections.Immutable;
using k8s.Models;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Core.Tests.Support;

namespace Podvisor.Core.Tests.Lifecycle;

/// <summary>Runs <see cref="PodPlanner.Compute"/> with test defaults (fresh backoff, no probes, default gates, now = T0 + 1 h).</summary>
internal static class Plans
{
    public static readonly DateTimeOffset Now = RuntimeBuilder.T0.AddHours(1);

    public static PodPlan Compute(
        V1Pod pod,
        RuntimePodStatus runtime,
        V1PodStatus? api = null,
        CrashLoopBackoff? backoff = null,
        IProbeResults? probes = null,
        FeatureGates? gates = null,
        DateTimeOffset? now = null) =>
        PodPlanner.Compute(new PlannerInput
        {
            Pod = pod,
            Runtime = runtime,
            ApiStatus = api,
            Backoff = backoff ?? new CrashLoopBackoff(),
            Probes = probes ?? NoProbeResults.Instance,
            Gates = gates ?? FeatureGates.Default,
            Now = now ?? Now,
        });

    public static PodPlan Compute(PodBuilder pod, Func<RuntimeBuilder, RuntimeBuilder> runtime, FeatureGates? gates = null)
    {
        var built = pod.Build();
        return Compute(built, runtime(new RuntimeBuilder(built)).Build(), gates: gates);
    }

    public static string[] Names(this ImmutableArray<ContainerToStart> starts) => [.. starts.Select(s => s.Name)];

    public static string[] Names(this ImmutableArray<ContainerToRemove> removals) => [.. removals.Select(s => s.Name)];

    public static string[] Names(this ImmutableArray<ContainerToKill> kills) => [.. kills.Select(s => s.Name)];

    public static string Describe(this PodPlan plan) =>
        $"killPod={plan.KillPod} createSandbox={plan.CreateSandbox} attempt={plan.Attempt} " +
        $"kill=[{string.Join(",", plan.ContainersToKill.Names())}] remove=[{string.Join(",", plan.ContainersToRemove.Names())}] " +
        $"init=[{string.Join(",", plan.InitContainersToStart.Names())}] start=[{string.Join(",", plan.ContainersToStart.Names())}] " +
        $"backoff=[{string.Join(",", plan.BackOffs.Select(b => b.Name))}]";
}
