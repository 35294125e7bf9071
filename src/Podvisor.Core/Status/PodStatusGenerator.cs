using k8s.Models;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;

namespace Podvisor.Core.Status;

/// <summary>A failed container start remembered for status generation (kubelet reasonCache): e.g. CrashLoopBackOff.</summary>
public sealed record ContainerStartFailure(string Reason, string Message);

/// <summary>Everything <see cref="PodStatusGenerator.Generate"/> reads.</summary>
public sealed record StatusInput
{
    public required V1Pod Pod { get; init; }
    public required RuntimePodStatus Runtime { get; init; }

    /// <summary>The previous API status (null for a new pod).</summary>
    public V1PodStatus? OldStatus { get; init; }

    /// <summary>Last start failure per container name (kubelet reasonCache); cleared by the agent on a successful start.</summary>
    public IReadOnlyDictionary<string, ContainerStartFailure> ReasonCache { get; init; } = new Dictionary<string, ContainerStartFailure>();

    public IProbeResults Probes { get; init; } = NoProbeResults.Instance;
    public FeatureGates Gates { get; init; } = FeatureGates.Default;

    /// <summary>The pod worker decided the pod is terminal (deleted and every container stopped).</summary>
    public bool PodIsTerminal { get; init; }

    public required DateTimeOffset Now { get; init; }
    public string? HostIp { get; init; }

    /// <summary>
    /// A new restart-all request (<see cref="RestartAllRequest"/>) the agent accepted for this sync: a cycle starts as if
    /// a RestartAllContainers rule had matched (AllContainersRestarting turns True and carries it on).
    /// </summary>
    public bool RestartAllRequested { get; init; }
}

/// <summary>
/// Mirrors kubelet generateAPIPodStatus + the status manager (docs/lifecycle.md §6.6, §6.7, §7, §8, §11, §D4-§D6): phase,
/// conditions, container statuses, and the status-manager rules (lastTransitionTime only on change, terminal phases
/// final, illegal terminated-to-running transitions relaxed as upstream).
/// </summary>
public static class PodStatusGenerator
{
    public static V1PodStatus Generate(StatusInput input)
    {
        // kubelet: the status manager's cached status, else the API status; the API status decides terminal stickiness.
        var old = input.OldStatus ?? input.Pod.Status;
        var api = input.Pod.Status ?? input.OldStatus;
        var now = StatusObjects.ApiTime(input.Now);
        var status = ConvertStatus(input, old);
        status.Phase = ComputePhase(input, old, api, status);
        PreservePhaseReason(status, old, api);

        status.Conditions = ConditionGenerator.Generate(new ConditionInput(
            input.Pod, input.Runtime, old, api, [.. status.InitContainerStatuses ?? []], [.. status.ContainerStatuses ?? []], status.Phase, input.Gates,
            input.RestartAllRequested));
        SetAddresses(input, old, status);
        status.StartTime = StatusManagerRules.StartTime(old, now);
        if (!PodPhases.IsTerminal(status.Phase) && ActiveDeadline.IsPast(input.Pod.Spec, status, input.Now))
        {
            status.Phase = PodPhases.Failed;
            status.Reason = ActiveDeadline.Reason;
            status.Message = ActiveDeadline.Message;
        }

        status.ObservedGeneration = input.Pod.Metadata?.Generation is > 0 ? input.Pod.Metadata.Generation : null;

        // A pod that may be restarted on request restarts terminated containers as a rule-carrying pod does.
        if (!RestartAllRequest.IsAnnotated(input.Pod) && StatusManagerRules.FindIllegalTransition(input.Pod.Spec, old, status, input.Gates) is not null)
        {
            // Status update on pod aborted: the cached status stays as it was.
            return KubeObject.DeepCopy(old!);
        }

        StatusManagerRules.SetLastTransitionTimes(status.Conditions, old, now);
        return status;
    }

    /// <summary>Mirrors convertStatusToAPIStatus, plus the prober's started/ready (applied before the phase, see below).</summary>
    private static V1PodStatus ConvertStatus(StatusInput input, V1PodStatus? old)
    {
        var spec = input.Pod.Spec;
        var podRestarting = RestartDecider.ShouldAllContainersRestart(input.Pod, input.Runtime, old, input.Gates)
            || (input.RestartAllRequested && input.Gates.RestartAllContainersOnContainerExits);
        var ctx = new ContainerStatusContext(input.Pod, input.Runtime, input.ReasonCache, input.Gates, podRestarting);
        var containers = ContainerStatusBuilder.Build(ctx, spec.ContainersOrEmpty(), old?.ContainerStatuses, isInit: false);
        var init = ContainerStatusBuilder.Build(ctx, spec.InitContainersOrEmpty(), old?.InitContainerStatuses, isInit: true);
        var ephemeral = ContainerStatusBuilder.Build(ctx, EphemeralAsContainers(spec), old?.EphemeralContainerStatuses, isInit: false);

        // Upstream applies probe results after getPhase, so a sidecar's fresh startup result reaches the phase one sync
        // later; Podvisor applies them first so that one generation is consistent.
        ContainerReadiness.Apply(spec, containers, isInit: false, input.Probes);
        ContainerReadiness.Apply(spec, init, isInit: true, input.Probes);
        return new V1PodStatus
        {
            QosClass = PodQos.Get(input.Pod, old),
            Resources = PodResources.Status(spec),
            AllocatedResources = PodResources.Requests(spec) is { Count: > 0 } requests ? requests : null,
            ContainerStatuses = containers,
            InitContainerStatuses = init.Count > 0 ? init : null,
            EphemeralContainerStatuses = ephemeral.Count > 0 ? ephemeral : null,
        };
    }

    private static List<V1Container> EphemeralAsContainers(V1PodSpec spec) =>
        [.. (spec.EphemeralContainers ?? []).Select(e => new V1Container { Name = e.Name, Image = e.Image, VolumeMounts = e.VolumeMounts })];

    /// <summary>
    /// getPhase, then docs/lifecycle.md §D6 (Running while AllContainersRestarting is True), then terminal phases are final: a terminal
    /// cached or API phase wins over a non-terminal one, and the API's terminal phase is never left.
    /// </summary>
    private static string ComputePhase(StatusInput input, V1PodStatus? old, V1PodStatus? api, V1PodStatus status)
    {
        var all = (status.ContainerStatuses ?? []).Concat(status.InitContainerStatuses ?? []).ToList();
        var podHasInitialized = HasAnyActiveRegularContainerStarted(input.Pod.Spec, input.Runtime);
        var phase = PhaseCalculator.GetPhase(input.Pod, all, input.PodIsTerminal, podHasInitialized, input.Gates);
        if (!PodPhases.IsTerminal(phase) && ConditionGenerator.IsRestartingAll(input.Pod, input.Runtime, old, input.Gates, input.RestartAllRequested))
        {
            phase = PodPhases.Running;
        }

        if (!PodPhases.IsTerminal(phase))
        {
            phase = PodPhases.IsTerminal(old?.Phase) ? old!.Phase : PodPhases.IsTerminal(api?.Phase) ? api!.Phase : phase;
        }

        return PodPhases.IsTerminal(api?.Phase) ? api!.Phase : phase;
    }

    /// <summary>Reason and message belong to the phase: kept while the phase is unchanged.</summary>
    private static void PreservePhaseReason(V1PodStatus status, V1PodStatus? old, V1PodStatus? api)
    {
        if (status.Phase != old?.Phase)
        {
            return;
        }

        status.Reason = string.IsNullOrEmpty(old.Reason) ? api?.Reason : old.Reason;
        status.Message = string.IsNullOrEmpty(old.Message) ? api?.Message : old.Message;
    }

    /// <summary>
    /// podIP from the newest sandbox (kept from the old status when the runtime no longer reports one, e.g. after the
    /// sandbox of a finished pod is gone); hostNetwork pods get the host IP; hostIP from the agent.
    /// </summary>
    private static void SetAddresses(StatusInput input, V1PodStatus? old, V1PodStatus status)
    {
        var hostIp = input.HostIp ?? old?.HostIP;
        var podIp = input.Runtime.PodIp ?? old?.PodIP;
        if (input.Pod.Spec.HostNetwork == true && string.IsNullOrEmpty(podIp))
        {
            podIp = hostIp;
        }

        if (!string.IsNullOrEmpty(hostIp))
        {
            status.HostIP = hostIp;
            status.HostIPs = [new V1HostIP { Ip = hostIp }];
        }

        if (!string.IsNullOrEmpty(podIp))
        {
            status.PodIP = podIp;
            status.PodIPs = [new V1PodIP { Ip = podIp }];
        }
    }

    /// <summary>
    /// Mirrors kubecontainer.HasAnyActiveRegularContainerStarted: a regular container instance belongs to the current
    /// sandbox. The runtime model has no sandbox id per container, so "belongs" is "created since the newest sandbox".
    /// </summary>
    public static bool HasAnyActiveRegularContainerStarted(V1PodSpec spec, RuntimePodStatus runtime)
    {
        if (runtime.Sandboxes.Count == 0)
        {
            return false;
        }

        var sandboxCreated = runtime.Sandboxes[0].CreatedAt;
        var regular = spec.ContainersOrEmpty().Select(c => c.Name).ToHashSet();
        return runtime.Containers.Any(c => regular.Contains(c.Name) && c.CreatedAt >= sandboxCreated);
    }
}
