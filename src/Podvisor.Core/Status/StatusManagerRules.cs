using k8s.Models;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;

namespace Podvisor.Core.Status;

/// <summary>
/// The kubelet status manager's rules applied before a status is cached (pkg/kubelet/status/status_manager.go
/// updateStatusInternal, docs/lifecycle.md §6.12, §8): the illegal-transition check, lastTransitionTime, and startTime.
/// </summary>
public static class StatusManagerRules
{
    /// <summary>
    /// Mirrors mergePodStatus (status_manager.go): the conditions of a status the agent writes are the conditions other
    /// writers own as the API has them now (e.g. readiness gates set through the status subresource), then the agent's
    /// kubelet-owned conditions and its DisruptionTarget. A new list; neither status changes.
    /// </summary>
    public static List<V1PodCondition> MergeConditions(V1PodStatus? api, V1PodStatus agent)
    {
        var ownsDisruption = agent.Conditions?.Any(c => c.Type == PodConditions.DisruptionTarget) == true;
        return
        [
            .. (api?.Conditions ?? []).Where(c => !PodConditions.OwnedByKubelet.Contains(c.Type) && !(ownsDisruption && c.Type == PodConditions.DisruptionTarget)),
            .. (agent.Conditions ?? []).Where(c => PodConditions.OwnedByKubelet.Contains(c.Type) || c.Type == PodConditions.DisruptionTarget),
        ];
    }

    /// <summary>
    /// Mirrors checkContainerStateTransition as relaxed for restart rules: a container whose old API state is
    /// terminated may not become non-terminated unless the pod policy is Always, or the pod has a RestartAllContainers
    /// rule (gate on), or it failed under OnFailure, or the restart decision allows its exit. Sidecars are exempt.
    /// Returns the offending container name, or null when the update is legal. Upstream then drops the whole update
    /// ("Status update on pod aborted"), keeping the cached status.
    /// </summary>
    public static string? FindIllegalTransition(V1PodSpec spec, V1PodStatus? old, V1PodStatus next, FeatureGates gates)
    {
        if (old is null
            || RestartPolicy.EffectiveFor(spec) == RestartPolicies.Always
            || (gates.RestartAllContainersOnContainerExits && RestartDecider.AllContainersCouldRestart(spec)))
        {
            return null;
        }

        return FindIllegal(spec, spec.ContainersOrEmpty(), old.ContainerStatuses, next.ContainerStatuses, gates)
            ?? FindIllegal(spec, spec.InitContainersOrEmpty(), old.InitContainerStatuses, next.InitContainerStatuses, gates);
    }

    private static string? FindIllegal(
        V1PodSpec spec, IList<V1Container> containers, IList<V1ContainerStatus>? oldStatuses, IList<V1ContainerStatus>? newStatuses, FeatureGates gates)
    {
        foreach (var old in oldStatuses ?? [])
        {
            var container = containers.FirstOrDefault(c => c.Name == old.Name);
            if (old.State?.Terminated is not { } terminated || container is null || container.IsSidecar())
            {
                continue;
            }

            var mayRestart = (terminated.ExitCode != 0 && RestartPolicy.EffectiveFor(spec) == RestartPolicies.OnFailure)
                || RestartPolicy.Decide(spec, container, gates, terminated.ExitCode).Restarts;
            if (!mayRestart && StatusObjects.Find(newStatuses, old.Name) is { State.Terminated: null })
            {
                return old.Name;
            }
        }

        return null;
    }

    /// <summary>
    /// Mirrors updateLastTransitionTime for the kubelet-owned conditions and DisruptionTarget: the old time when the
    /// status is unchanged, else <paramref name="now"/>. Other preserved conditions keep their times verbatim.
    /// </summary>
    public static void SetLastTransitionTimes(IEnumerable<V1PodCondition> conditions, V1PodStatus? old, DateTime now)
    {
        foreach (var condition in conditions)
        {
            if (!PodConditions.OwnedByKubelet.Contains(condition.Type) && condition.Type != PodConditions.DisruptionTarget)
            {
                continue;
            }

            var previous = StatusObjects.FindCondition(old, condition.Type);
            condition.LastTransitionTime = previous is not null && previous.Status == condition.Status ? previous.LastTransitionTime : now;
        }
    }

    /// <summary>The start time never changes once set; the first status gets <paramref name="now"/>.</summary>
    public static DateTime StartTime(V1PodStatus? old, DateTime now) => old?.StartTime ?? now;
}
