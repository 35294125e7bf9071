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
}

/// <summary>
/// Mirrors kubelet generateAPIPodStatus + the status manager (spec §6.6, §6.7, §7, §8, §11, §D4-§D6): phase,
/// conditions, container statuses, and the status-manager rules (lastTransitionTime only on change, terminal phases
/// final, illegal terminated-to-running transitions relaxed as upstream).
/// </summary>
public static class PodStatusGenerator
{
    public static V1PodStatus Generate(StatusInput input) => throw new NotImplementedException();
}
