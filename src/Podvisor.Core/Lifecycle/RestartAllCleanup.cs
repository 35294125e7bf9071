using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Core.Lifecycle;

/// <summary>
/// Mirrors the RestartAllContainers branch of kubelet computePodActions and getContainersToRemove (docs/lifecycle.md §6.3, §D8):
/// every init, sidecar and regular container instance is removed, targets before sources, without touching the
/// sandbox. Ephemeral containers are left alone.
/// </summary>
internal static class RestartAllCleanup
{
    /// <summary>
    /// Mirrors computePodActions: the branch runs while ShouldAllContainersRestart holds and some container instance is
    /// left (once AllContainersRestartCleanedUp, upstream's condition turns False and the normal path starts the pod
    /// again in the same sync, docs/lifecycle.md §6.4, §D7).
    /// </summary>
    public static bool InProgress(PlannerInput input) =>
        RestartDecider.ShouldAllContainersRestart(input.Pod, input.Runtime, input.ApiStatus, input.Gates)
        && !RestartDecider.AllContainersRestartCleanedUp(input.Pod.Spec, input.Runtime);

    /// <summary>
    /// Removal order as upstream: regular targets, init and sidecar targets, regular sources, init sources; each group
    /// from the last spec index to the first. No KillPod, no CreateSandbox, nothing started.
    /// </summary>
    public static void Compute(PlannerInput input, PodActions actions)
    {
        actions.KillPod = false;
        actions.CreateSandbox = false;
        var (initSources, initTargets) = Classify(input.Pod.Spec.InitContainersOrEmpty(), input.Runtime);
        var (sources, targets) = Classify(input.Pod.Spec.ContainersOrEmpty(), input.Runtime);
        actions.ContainersToRemove.AddRange(targets);
        actions.ContainersToRemove.AddRange(initTargets);
        actions.ContainersToRemove.AddRange(sources);
        actions.ContainersToRemove.AddRange(initSources);
        actions.RestartAllCause = RestartDecider.FindRestartAllTrigger(input.Pod, input.Runtime, input.ApiStatus)?.Cause
            ?? (RestartAllRequest.Value(input.Pod) is { } requested ? RestartAllRequest.Cause(requested) : null);
    }

    /// <summary>
    /// Mirrors getContainersToRemove: a container whose newest instance exited matching a RestartAllContainers rule is a
    /// source, any other container with an instance is a target. Unlike upstream (which removes only the newest instance
    /// per sync) every instance is listed, newest first, so one pass cleans up; instances that are not exited are killed.
    /// </summary>
    private static (List<ContainerToRemove> Sources, List<ContainerToRemove> Targets) Classify(
        IList<V1Container> containers, RuntimePodStatus runtime)
    {
        var sources = new List<ContainerToRemove>();
        var targets = new List<ContainerToRemove>();
        for (var i = containers.Count - 1; i >= 0; i--)
        {
            var instances = runtime.InstancesOf(containers[i].Name).ToList();
            if (instances.Count == 0)
            {
                continue;
            }

            var newest = instances[0];
            var isSource = newest.State == RuntimeContainerState.Exited
                && RestartPolicy.FindMatchingRule(containers[i], newest.ExitCode) is { IsRestartAll: true };
            (isSource ? sources : targets).AddRange(instances.Select(instance =>
                new ContainerToRemove(instance.Id, instance.Name, Kill: instance.State != RuntimeContainerState.Exited, IsSource: isSource)));
        }

        return (sources, targets);
    }
}
