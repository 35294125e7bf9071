using System.Collections.Immutable;
using Podvisor.Core.Model;

namespace Podvisor.Core.Lifecycle;

/// <summary>One container the plan starts: its kind, its index in the spec list of that kind, and its name.</summary>
/// <param name="LastFinishedAt">finishedAt of the newest exited instance, if any: the executor calls
/// <see cref="CrashLoopBackoff.Next"/> with it just before the start (kubelet doBackOff step 4).</param>
public sealed record ContainerToStart(ContainerKind Kind, int Index, string Name, DateTimeOffset? LastFinishedAt = null);

/// <summary>Why a running container is killed by the plan.</summary>
public enum KillReason
{
    /// <summary>The spec hash changed.</summary>
    SpecChanged,
    LivenessProbe,
    StartupProbe,

    /// <summary>Unknown runtime state: killed before being started again.</summary>
    Unknown,
}

/// <summary>A running container the plan kills (kubelet containerToKillInfo). <see cref="Message"/> is the Killing event text.</summary>
public sealed record ContainerToKill(string ContainerId, string Name, KillReason Reason, string Message);

/// <summary>
/// A container removed by a RestartAllContainers cleanup (docs/lifecycle.md §6.3). <see cref="Kill"/> is true when the instance is not exited:
/// it is stopped first with no preStop and the 2 s minimum grace (docs/lifecycle.md §D8).
/// </summary>
public sealed record ContainerToRemove(string ContainerId, string Name, bool Kill, bool IsSource);

/// <summary>A container that should start but is in CrashLoopBackOff (kubelet doBackOff step 3).</summary>
/// <param name="Message">The waiting message, e.g. <c>back-off 20s restarting failed container=app pod=p_ns(uid)</c>.</param>
public sealed record ContainerBackOff(string Name, DateTimeOffset RetryAt, string Message);

/// <summary>
/// The result of <see cref="PodPlanner.Compute"/>: what SyncPod must do, in kubelet's step order (mirrors podActions).
/// </summary>
public sealed record PodPlan
{
    /// <summary>Kill every container (pod grace, sidecars last) and stop the sandbox.</summary>
    public bool KillPod { get; init; }

    public bool CreateSandbox { get; init; }

    /// <summary>
    /// The newest existing sandbox: the one to keep using when not creating one. With <see cref="CreateSandbox"/> a
    /// non-null value means an existing sandbox is being replaced (kubelet's <c>SandboxChanged</c> event); null means a new pod.
    /// </summary>
    public string? SandboxId { get; init; }

    public uint Attempt { get; init; }

    public ImmutableArray<ContainerToKill> ContainersToKill { get; init; } = [];

    /// <summary>RestartAllContainers cleanup, in upstream's removal order (targets before sources).</summary>
    public ImmutableArray<ContainerToRemove> ContainersToRemove { get; init; } = [];

    /// <summary>What triggered the RestartAllContainers cycle being cleaned up (the Killing events name it); null outside one.</summary>
    public string? RestartAllCause { get; init; }

    /// <summary>Init containers (regular or sidecar) to start, in spec order.</summary>
    public ImmutableArray<ContainerToStart> InitContainersToStart { get; init; } = [];

    /// <summary>Regular containers to start, in spec order.</summary>
    public ImmutableArray<ContainerToStart> ContainersToStart { get; init; } = [];

    /// <summary>Containers held back by CrashLoopBackOff; the worker records them in its reason cache.</summary>
    public ImmutableArray<ContainerBackOff> BackOffs { get; init; } = [];

    /// <summary>When the worker must sync again even without an event (earliest backoff expiry).</summary>
    public DateTimeOffset? NextSyncAt { get; init; }

    /// <summary>True when the plan changes nothing.</summary>
    public bool IsEmpty => !KillPod && !CreateSandbox && ContainersToKill.IsEmpty && ContainersToRemove.IsEmpty
        && InitContainersToStart.IsEmpty && ContainersToStart.IsEmpty;
}
