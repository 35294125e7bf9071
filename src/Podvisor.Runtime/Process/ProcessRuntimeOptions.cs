using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Podvisor.Runtime.Process;

/// <summary>Configuration of the <see cref="ProcessRuntime"/>.</summary>
public sealed record ProcessRuntimeOptions
{
    /// <summary>
    /// Root of the runtime's files: <c>pods/UID/volumes/kubernetes.io~empty-dir/NAME</c> (kubelet layout),
    /// <c>pods/UID/containers/NAME/ID/</c> (termination-log) and <c>runtime/</c> (persisted state).
    /// </summary>
    public required string DataDir { get; init; }

    /// <summary>Pod addresses come from here; the first address is the bridge's (the pods' gateway).</summary>
    public string PodCidr { get; init; } = "10.88.0.0/16";

    public string BridgeName { get; init; } = "podvisor0";

    /// <summary>Machine-wide IP claims, one file per address (host-local IPAM style), under <c>IpamDir/BridgeName</c>.</summary>
    public string IpamDir { get; init; } = "/run/podvisor/ipam";

    /// <summary>
    /// Whether to use root-only features (network namespaces, bind mounts, tmpfs, runAsUser). Null: detect (euid 0).
    /// False as root runs exactly like an unprivileged agent.
    /// </summary>
    public bool? Privileged { get; init; }

    /// <summary>
    /// The command that starts a shim process of its own (<c>podvisor shim</c>; the runtime appends
    /// <c>--data-dir DIR</c> and, as root without root features, <c>--privileged false</c>), so containers outlive the agent
    /// and a runtime opened later on the same DataDir adopts them. Null: the shim runs inside this process and its
    /// containers do not outlive it (<c>podvisor run</c>, tests). A shim already serving the DataDir is used either way.
    /// </summary>
    public IReadOnlyList<string>? ShimCommand { get; init; }

    /// <summary>containerLogMaxSize and containerLogMaxFiles, as the kubelet rotates container logs.</summary>
    public ContainerLogRotation ContainerLogRotation { get; init; } = ContainerLogRotation.Default;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
