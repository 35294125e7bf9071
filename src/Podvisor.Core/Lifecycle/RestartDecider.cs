using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Core.Lifecycle;

/// <summary>The container that triggered a RestartAllContainers cycle (docs/lifecycle.md §D12 event).</summary>
public sealed record RestartAllTrigger(string ContainerName, int ExitCode, int RuleIndex)
{
    /// <summary>What triggered the cycle, e.g. <c>container "w" exited with code 88 matching restartPolicyRules[0]</c>.</summary>
    public string Cause => $"container \"{ContainerName}\" exited with code {ExitCode} matching restartPolicyRules[{RuleIndex}]";

    /// <summary>docs/lifecycle.md §D12 event message.</summary>
    public string EventMessage => Cause + "; restarting all containers in place";
}

/// <summary>
/// Whether a container starts now (docs/lifecycle.md §4.1, deciding with <see cref="RestartPolicy.Decide"/>) and RestartAllContainers
/// trigger detection (§6.1).
/// Mirrors pkg/api/v1/pod/util.go and pkg/kubelet/container/helpers.go.
/// </summary>
public static class RestartDecider
{
    /// <summary>
    /// Mirrors kubecontainer.ShouldContainerBeRestarted (docs/lifecycle.md §4.1) for regular containers: never while the pod is deleted,
    /// always when there is no instance or it is Created/Unknown, never while Running, else the exit decides.
    /// </summary>
    public static bool ShouldContainerBeRestarted(V1Container container, V1Pod pod, RuntimePodStatus runtime, FeatureGates gates)
    {
        if (pod.Metadata?.DeletionTimestamp is not null)
        {
            return false;
        }

        var status = runtime.FindContainerStatusByName(container.Name);
        return status?.State switch
        {
            null => true,
            RuntimeContainerState.Running => false,
            RuntimeContainerState.Created or RuntimeContainerState.Unknown => true,
            _ => RestartPolicy.Decide(pod.Spec, container, gates, status.ExitCode).Restarts,
        };
    }

    /// <summary>
    /// Mirrors isInitContainerFailed: a regular init container failed when it exited non-zero, was OOM-killed, or its
    /// state is Unknown.
    /// </summary>
    public static bool IsInitContainerFailed(RuntimeContainerStatus status) => status.State switch
    {
        RuntimeContainerState.Exited => status.ExitCode != 0 || status.Reason == ContainerReasons.OOMKilled,
        RuntimeContainerState.Unknown => true,
        _ => false,
    };

    /// <summary>Mirrors AllContainersCouldRestart (docs/lifecycle.md §4 helper 6): some init or regular container has a RestartAllContainers rule.</summary>
    public static bool AllContainersCouldRestart(V1PodSpec spec) =>
        spec.AllContainers().Any(c => c.Container.RestartPolicyRules?.Any(r => r.Action == ContainerRestartRuleActions.RestartAllContainers) ?? false);

    /// <summary>
    /// Mirrors kubecontainer.ShouldAllContainersRestart (docs/lifecycle.md §6.1): the API condition is True, or the newest runtime instance,
    /// or else the API <c>state.terminated</c>, of some init or regular container matches a RestartAllContainers rule
    /// first. False when the gate is off or the pod is being deleted.
    /// </summary>
    public static bool ShouldAllContainersRestart(V1Pod pod, RuntimePodStatus? runtime, V1PodStatus? apiStatus, FeatureGates gates)
    {
        if (!gates.RestartAllContainersOnContainerExits || pod.Metadata?.DeletionTimestamp is not null)
        {
            return false;
        }

        if (PodConditions.IsRestartingAll(apiStatus))
        {
            return true;
        }

        return FindRestartAllTrigger(pod, runtime, apiStatus) is not null;
    }

    /// <summary>
    /// The container whose exit matches a RestartAllContainers rule (docs/lifecycle.md §6.1 loop), checking the newest runtime instance
    /// first and then the API <c>state.terminated</c>, init containers before regular ones.
    /// </summary>
    public static RestartAllTrigger? FindRestartAllTrigger(V1Pod pod, RuntimePodStatus? runtime, V1PodStatus? apiStatus)
    {
        return Scan(pod.Spec.InitContainersOrEmpty(), apiStatus?.InitContainerStatuses)
            ?? Scan(pod.Spec.ContainersOrEmpty(), apiStatus?.ContainerStatuses);

        RestartAllTrigger? Scan(IList<V1Container> containers, IList<V1ContainerStatus>? apiStatuses)
        {
            foreach (var c in containers)
            {
                if (runtime is not null)
                {
                    var status = runtime.FindContainerStatusByName(c.Name);
                    if (status is null || status.State != RuntimeContainerState.Exited)
                    {
                        // Upstream quirk kept: 'continue' also skips the API check for this container.
                        continue;
                    }

                    if (RestartPolicy.FindMatchingRule(c, status.ExitCode) is { IsRestartAll: true } m)
                    {
                        return new RestartAllTrigger(c.Name, status.ExitCode, m.Index);
                    }
                }

                var terminated = apiStatuses?.FirstOrDefault(s => s.Name == c.Name)?.State?.Terminated;
                if (terminated is not null && RestartPolicy.FindMatchingRule(c, terminated.ExitCode) is { IsRestartAll: true } m2)
                {
                    return new RestartAllTrigger(c.Name, terminated.ExitCode, m2.Index);
                }
            }

            return null;
        }
    }

    /// <summary>
    /// Mirrors AllContainersRestartCleanedUp (docs/lifecycle.md §6.2): no init or regular container has any runtime instance left.
    /// Ephemeral containers are ignored.
    /// </summary>
    public static bool AllContainersRestartCleanedUp(V1PodSpec spec, RuntimePodStatus runtime) =>
        !spec.AllContainers().Any(c => runtime.FindContainerStatusByName(c.Container.Name) is not null);
}
