using Podvisor.Core.Model;

namespace Podvisor.Core.Lifecycle;

/// <summary>
/// Mirrors kubelet podActions while <see cref="PodPlanner.Compute"/> builds it: indexes into the spec lists, before
/// CrashLoopBackOff is folded in by <see cref="PlanAssembler"/>.
/// </summary>
internal sealed class PodActions
{
    public bool KillPod { get; set; }

    public bool CreateSandbox { get; set; }

    public string? SandboxId { get; init; }

    public uint Attempt { get; init; }

    public List<ContainerToKill> ContainersToKill { get; } = [];

    public List<ContainerToRemove> ContainersToRemove { get; } = [];

    public string? RestartAllCause { get; set; }

    /// <summary>Indexes into <c>spec.initContainers</c>, in spec order once computeInitContainerActions returns.</summary>
    public List<int> InitContainersToStart { get; } = [];

    /// <summary>Indexes into <c>spec.containers</c>, in spec order.</summary>
    public List<int> ContainersToStart { get; } = [];

    public void Kill(RuntimeContainerStatus instance, KillReason reason, string message) =>
        ContainersToKill.Add(new ContainerToKill(instance.Id, instance.Name, reason, message));
}
