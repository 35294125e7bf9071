using k8s.Models;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;

namespace Podvisor.Core.Status;

/// <summary>Inputs of the kubelet-owned pod conditions (generateAPIPodStatus's locals).</summary>
public sealed record ConditionInput(
    V1Pod Pod,
    RuntimePodStatus Runtime,
    V1PodStatus? OldStatus,
    V1PodStatus? ApiStatus,
    IReadOnlyList<V1ContainerStatus> InitContainerStatuses,
    IReadOnlyList<V1ContainerStatus> ContainerStatuses,
    string Phase,
    FeatureGates Gates,
    bool RestartAllRequested = false);

/// <summary>
/// Mirrors pkg/kubelet/status/generate.go and the condition part of kubelet generateAPIPodStatus (docs/lifecycle.md §8, §6.2,
/// docs/lifecycle.md §6.7, §D4). <see cref="Generate"/> appends in upstream order: preserved non-kubelet conditions and
/// DisruptionTarget, PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled,
/// AllContainersRestarting. Transition times are set afterwards by <see cref="StatusManagerRules"/>.
/// </summary>
public static class ConditionGenerator
{
    public static List<V1PodCondition> Generate(ConditionInput input)
    {
        var conditions = (input.ApiStatus?.Conditions ?? [])
            .Where(c => !PodConditions.OwnedByKubelet.Contains(c.Type) && c.Type != PodConditions.DisruptionTarget)
            .ToList();
        if (StatusObjects.FindCondition(input.OldStatus, PodConditions.DisruptionTarget) is { } disruption)
        {
            // Copied: the status manager sets its transition time, and the old status must stay untouched.
            conditions.Add(new V1PodCondition
            {
                Type = disruption.Type,
                Status = disruption.Status,
                Reason = disruption.Reason,
                Message = disruption.Message,
                ObservedGeneration = disruption.ObservedGeneration,
                LastProbeTime = disruption.LastProbeTime,
                LastTransitionTime = disruption.LastTransitionTime,
            });
        }

        var all = input.InitContainerStatuses.Concat(input.ContainerStatuses).ToList();
        var generation = input.Pod.Metadata?.Generation is > 0 ? input.Pod.Metadata.Generation : null;
        conditions.Add(Observed(PodReadyToStartContainers(input.Runtime), generation));
        conditions.Add(Observed(Initialized(input.Pod.Spec, input.OldStatus, all, input.Phase, input.Gates), generation));
        conditions.Add(Observed(Ready(input.Pod.Spec, conditions, all, input.Phase), generation));
        conditions.Add(Observed(ContainersReady(input.Pod.Spec, all, input.Phase), generation));
        conditions.Add(Observed(Condition(PodConditions.PodScheduled, true), generation));
        if (input.Gates.RestartAllContainersOnContainerExits
            && (RestartDecider.AllContainersCouldRestart(input.Pod.Spec) || RestartAllRequest.IsAnnotated(input.Pod)))
        {
            // Upstream sets no observedGeneration on this condition (the 1.36 capture has none).
            conditions.Add(AllContainersRestarting(input.Pod, input.Runtime, input.OldStatus, input.Phase, input.Gates, input.RestartAllRequested));
        }

        return conditions;
    }

    /// <summary>
    /// Mirrors GeneratePodReadyToStartContainersCondition: True iff no new sandbox is needed (PodSandboxChanged): the
    /// newest sandbox is ready and no other one is. Otherwise False with reason <c>PodSandboxNotReady</c> and no
    /// message (the upstream message texts could not be verified).
    /// </summary>
    public static V1PodCondition PodReadyToStartContainers(RuntimePodStatus runtime) =>
        runtime.Sandboxes is [{ Ready: true }, ..] && runtime.Sandboxes.Count(s => s.Ready) == 1
            ? Condition(PodConditions.PodReadyToStartContainers, true)
            : Condition(PodConditions.PodReadyToStartContainers, false, PodConditions.PodSandboxNotReady);

    /// <summary>Mirrors GeneratePodInitializedCondition, including the RestartAll-gated "once initialized, stays initialized".</summary>
    public static V1PodCondition Initialized(
        V1PodSpec spec, V1PodStatus? oldStatus, IReadOnlyCollection<V1ContainerStatus> statuses, string phase, FeatureGates gates)
    {
        var init = spec.InitContainersOrEmpty();
        if (statuses.Count == 0 && init.Count > 0)
        {
            return Condition(PodConditions.Initialized, false, PodConditions.UnknownContainerStatuses);
        }

        var unknown = new List<string>();
        var incomplete = new List<string>();
        foreach (var c in init)
        {
            var status = StatusObjects.Find(statuses, c.Name);
            if (status is null)
            {
                unknown.Add(c.Name);
            }
            else if (c.IsSidecar() ? status.Started != true : !status.Ready)
            {
                incomplete.Add(c.Name);
            }
        }

        if (phase == PodPhases.Succeeded && unknown.Count == 0)
        {
            return Condition(PodConditions.Initialized, true, PodConditions.PodCompleted);
        }

        if (HasAnyRegularContainerStarted(spec, statuses) || (unknown.Count == 0 && incomplete.Count == 0))
        {
            return Condition(PodConditions.Initialized, true);
        }

        if (gates.RestartAllContainersOnContainerExits && StatusObjects.FindCondition(oldStatus, PodConditions.Initialized)?.Status == StatusObjects.ConditionTrue)
        {
            // During an in-place restart init statuses go from completed to waiting; a pod never becomes uninitialized.
            return Condition(PodConditions.Initialized, true);
        }

        return Condition(PodConditions.Initialized, false, PodConditions.ContainersNotInitialized, Messages(
            ("containers with unknown status: ", unknown), ("containers with incomplete status: ", incomplete)));
    }

    /// <summary>Mirrors GenerateContainersReadyCondition: sidecars and regular containers must all be ready.</summary>
    public static V1PodCondition ContainersReady(V1PodSpec spec, IReadOnlyCollection<V1ContainerStatus> statuses, string phase)
    {
        if (statuses.Count == 0)
        {
            return Condition(PodConditions.ContainersReady, false, PodConditions.UnknownContainerStatuses);
        }

        var unknown = new List<string>();
        var unready = new List<string>();
        foreach (var c in spec.InitContainersOrEmpty().Where(c => c.IsSidecar()).Concat(spec.ContainersOrEmpty()))
        {
            var status = StatusObjects.Find(statuses, c.Name);
            if (status is null)
            {
                unknown.Add(c.Name);
            }
            else if (!status.Ready)
            {
                unready.Add(c.Name);
            }
        }

        if ((phase == PodPhases.Succeeded && unknown.Count == 0) || phase == PodPhases.Failed)
        {
            return Condition(PodConditions.ContainersReady, false, TerminalReason(phase));
        }

        var message = Messages(("containers with unknown status: ", unknown), ("containers with unready status: ", unready));
        return message.Length > 0
            ? Condition(PodConditions.ContainersReady, false, PodConditions.ContainersNotReady, message)
            : Condition(PodConditions.ContainersReady, true);
    }

    /// <summary>Mirrors GeneratePodReadyCondition: ContainersReady, then the readiness gates against <paramref name="conditions"/>.</summary>
    public static V1PodCondition Ready(V1PodSpec spec, IReadOnlyCollection<V1PodCondition> conditions, IReadOnlyCollection<V1ContainerStatus> statuses, string phase)
    {
        var containersReady = ContainersReady(spec, statuses, phase);
        if (containersReady.Status != StatusObjects.ConditionTrue)
        {
            return Condition(PodConditions.Ready, false, containersReady.Reason, containersReady.Message);
        }

        var unready = new List<string>();
        foreach (var gate in spec.ReadinessGates ?? [])
        {
            var condition = conditions.FirstOrDefault(c => c.Type == gate.ConditionType);
            if (condition is null)
            {
                unready.Add($"corresponding condition of pod readiness gate \"{gate.ConditionType}\" does not exist.");
            }
            else if (condition.Status != StatusObjects.ConditionTrue)
            {
                unready.Add($"the status of pod readiness gate \"{gate.ConditionType}\" is not \"True\", but {condition.Status}");
            }
        }

        return unready.Count > 0
            ? Condition(PodConditions.Ready, false, PodConditions.ReadinessGatesNotReady, string.Join(", ", unready))
            : Condition(PodConditions.Ready, true);
    }

    /// <summary>
    /// Mirrors GenerateAllContainersRestartingCondition (docs/lifecycle.md §6.2): True from the trigger until cleanup is done.
    /// The message is upstream's rule text, or for a requested cycle the request (docs/restart-all-request.md); it is kept
    /// while the cycle runs.
    /// </summary>
    public static V1PodCondition AllContainersRestarting(
        V1Pod pod, RuntimePodStatus runtime, V1PodStatus? oldStatus, string phase, FeatureGates gates, bool requested = false)
    {
        if (PodPhases.IsTerminal(phase))
        {
            return Condition(PodConditions.AllContainersRestarting, false, TerminalReason(phase));
        }

        if (!IsRestartingAll(pod, runtime, oldStatus, gates, requested))
        {
            return Condition(PodConditions.AllContainersRestarting, false);
        }

        var message = StatusObjects.FindCondition(oldStatus, PodConditions.AllContainersRestarting) is { Status: StatusObjects.ConditionTrue, Message: { } kept } ? kept
            : requested && RestartDecider.FindRestartAllTrigger(pod, runtime, oldStatus) is null && RestartAllRequest.Value(pod) is { } value ? RestartAllRequest.Cause(value)
            : PodConditions.RestartAllContainersMessage;
        return Condition(PodConditions.AllContainersRestarting, true, PodConditions.RestartAllContainersStarted, message);
    }

    /// <summary>
    /// A RestartAllContainers cycle is in its termination phase: triggered (by a rule, or by an accepted request, docs/lifecycle.md §D14),
    /// and some container is still left.
    /// </summary>
    public static bool IsRestartingAll(V1Pod pod, RuntimePodStatus runtime, V1PodStatus? oldStatus, FeatureGates gates, bool requested = false) =>
        (RestartDecider.ShouldAllContainersRestart(pod, runtime, oldStatus, gates) || (requested && gates.RestartAllContainersOnContainerExits))
        && !RestartDecider.AllContainersRestartCleanedUp(pod.Spec, runtime);

    /// <summary>Mirrors kubecontainer.HasAnyRegularContainerStarted: a regular container's API state is running or terminated.</summary>
    public static bool HasAnyRegularContainerStarted(V1PodSpec spec, IEnumerable<V1ContainerStatus> statuses) =>
        statuses.Any(s => spec.ContainersOrEmpty().Any(c => c.Name == s.Name) && (s.State?.Running is not null || s.State?.Terminated is not null));

    /// <summary>Reason of a kubelet condition forced False by a terminal phase (only called for terminal phases).</summary>
    private static string TerminalReason(string phase) => phase switch
    {
        PodPhases.Failed => PodConditions.PodFailed,
        PodPhases.Succeeded => PodConditions.PodCompleted,
        _ => throw new System.Diagnostics.UnreachableException(),
    };

    private static string Messages(params (string Prefix, List<string> Names)[] parts) =>
        string.Join(", ", parts.Where(p => p.Names.Count > 0).Select(p => p.Prefix + StatusObjects.GoList(p.Names)));

    private static V1PodCondition Condition(string type, bool status, string? reason = null, string? message = null) => new()
    {
        Type = type,
        Status = status ? StatusObjects.ConditionTrue : StatusObjects.ConditionFalse,
        Reason = string.IsNullOrEmpty(reason) ? null : reason,
        Message = string.IsNullOrEmpty(message) ? null : message,
    };

    private static V1PodCondition Observed(V1PodCondition condition, long? generation)
    {
        condition.ObservedGeneration = generation;
        return condition;
    }
}
