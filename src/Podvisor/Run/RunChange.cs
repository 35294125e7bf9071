using k8s.Models;

namespace Podvisor.Run;

/// <summary>One change seen by <c>podvisor run</c>'s views, about one pod.</summary>
public abstract record RunChange(V1Pod Pod);

/// <summary>The agent published a new status.</summary>
public sealed record StatusChange(V1Pod Pod, V1PodStatus Status) : RunChange(Pod);

/// <summary>The agent recorded an event (or bumped the count of an aggregated one).</summary>
public sealed record EventChange(V1Pod Pod, Corev1Event Event) : RunChange(Pod);

/// <summary>A container wrote a line.</summary>
public sealed record OutputChange(V1Pod Pod, ContainerOutputLine Line) : RunChange(Pod);

/// <summary>A RestartAllContainers cycle finished: every sidecar and regular container runs again.</summary>
public sealed record CycleChange(V1Pod Pod, RestartAllCycle Cycle) : RunChange(Pod);
