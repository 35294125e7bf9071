using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Core.Lifecycle;

/// <summary>A restart rule that matched an exit, with its index in <c>restartPolicyRules</c>.</summary>
public readonly record struct MatchedRule(V1ContainerRestartRule Rule, int Index)
{
    public bool IsRestartAll => Rule.Action == RestartDecider.ActionRestartAllContainers;
}

/// <summary>The container that triggered a RestartAllContainers cycle (docs/lifecycle.md §D12 event).</summary>
public sealed record RestartAllTrigger(string ContainerName, int ExitCode, int RuleIndex)
{
    /// <summary>What triggered the cycle, e.g. <c>container "w" exited with code 88 matching restartPolicyRules[0]</c>.</summary>
    public string Cause => $"container \"{ContainerName}\" exited with code {ExitCode} matching restartPolicyRules[{RuleIndex}]";

    /// <summary>docs/lifecycle.md §D12 event message.</summary>
    public string EventMessage => Cause + "; restarting all containers in place";
}

/// <summary>
/// Restart decisions for one exited container (docs/lifecycle.md §4) and RestartAllContainers trigger detection (§6.1).
/// Mirrors pkg/api/v1/pod/util.go and pkg/kubelet/container/helpers.go.
/// </summary>
public static class RestartDecider
{
    public const string ActionRestart = "Restart";
    public const string ActionRestartAllContainers = "RestartAllContainers";
    public const string OperatorIn = "In";
    public const string OperatorNotIn = "NotIn";

    /// <summary>
    /// Mirrors FindMatchingContainerRestartRule (docs/lifecycle.md §4): the first rule whose exitCodes match wins; rules without
    /// exitCodes or with an unknown operator are skipped.
    /// </summary>
    public static MatchedRule? FindMatchingRule(V1Container container, int exitCode)
    {
        var rules = container.RestartPolicyRules;
        if (rules is null)
        {
            return null;
        }

        for (var i = 0; i < rules.Count; i++)
        {
            var exitCodes = rules[i].ExitCodes;
            if (exitCodes is null)
            {
                continue;
            }

            var matched = exitCodes.Values?.Contains(exitCode) ?? false;
            switch (exitCodes.OperatorProperty)
            {
                case OperatorIn when matched:
                case OperatorNotIn when !matched:
                    return new MatchedRule(rules[i], i);
            }
        }

        return null;
    }

    /// <summary>
    /// Mirrors ContainerShouldRestart (docs/lifecycle.md §4): rules only count when the container-level restartPolicy is set; a matched
    /// RestartAllContainers rule means "will come back" when the gate is on, else falls through to the container policy.
    /// A container policy other than Always/OnFailure/Never falls through to the pod policy, as upstream's switch does.
    /// </summary>
    public static bool ContainerShouldRestart(V1Container container, V1PodSpec spec, int exitCode, FeatureGates gates)
    {
        if (gates.ContainerRestartRules && container.RestartPolicy is { } policy)
        {
            if (FindMatchingRule(container, exitCode) is { } match)
            {
                switch (match.Rule.Action)
                {
                    case ActionRestart:
                        return true;
                    case ActionRestartAllContainers when gates.RestartAllContainersOnContainerExits:
                        return true;
                }
            }

            if (policy is PodSpecExtensions.RestartPolicyAlways or PodSpecExtensions.RestartPolicyOnFailure or PodSpecExtensions.RestartPolicyNever)
            {
                return PolicyAllowsRestart(policy, exitCode);
            }
        }

        return PolicyAllowsRestart(spec.EffectiveRestartPolicy(), exitCode);
    }

    /// <summary>Always restarts; OnFailure restarts a non-zero exit; Never does not; unknown values behave as Always.</summary>
    public static bool PolicyAllowsRestart(string policy, int exitCode) => policy switch
    {
        PodSpecExtensions.RestartPolicyOnFailure => exitCode != 0,
        PodSpecExtensions.RestartPolicyNever => false,
        _ => true,
    };

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
            _ => ContainerShouldRestart(container, pod.Spec, status.ExitCode, gates),
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
        spec.AllContainers().Any(c => c.Container.RestartPolicyRules?.Any(r => r.Action == ActionRestartAllContainers) ?? false);

    /// <summary>
    /// Mirrors IsContainerRestartable (docs/lifecycle.md §4 helper 5): a Restart rule or a non-Never container policy; otherwise the pod
    /// policy. RestartAllContainers rules do not count.
    /// </summary>
    public static bool IsContainerRestartable(V1PodSpec spec, V1Container container)
    {
        if (container.RestartPolicy is { } policy)
        {
            return (container.RestartPolicyRules?.Any(r => r.Action == ActionRestart) ?? false)
                || policy != PodSpecExtensions.RestartPolicyNever;
        }

        return spec.EffectiveRestartPolicy() != PodSpecExtensions.RestartPolicyNever;
    }

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

                    if (FindMatchingRule(c, status.ExitCode) is { IsRestartAll: true } m)
                    {
                        return new RestartAllTrigger(c.Name, status.ExitCode, m.Index);
                    }
                }

                var terminated = apiStatuses?.FirstOrDefault(s => s.Name == c.Name)?.State?.Terminated;
                if (terminated is not null && FindMatchingRule(c, terminated.ExitCode) is { IsRestartAll: true } m2)
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
