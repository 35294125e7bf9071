using System.Threading.Channels;
using Podvisor.Core.Model;

namespace Podvisor.Runtime;

/// <summary>What a pod sandbox needs (CRI PodSandboxConfig): identity and network mode. Volumes are the agent's.</summary>
public sealed record PodSandboxConfig
{
    public required string PodUid { get; init; }
    public required string Name { get; init; }
    public required string Namespace { get; init; }
    public bool HostNetwork { get; init; }
    public uint Attempt { get; init; }

    /// <summary>
    /// The pod's hostname (CRI PodSandboxConfig.hostname, from kubelet GeneratePodHostNameAndDomain); empty for a
    /// host-network pod, which keeps the node's.
    /// </summary>
    public string Hostname { get; init; } = "";

    /// <summary>
    /// The pod's log directory, chosen by the agent (CRI PodSandboxConfig.log_directory); every container's
    /// <see cref="ContainerConfig.LogPath"/> is under it. A runtime that needs it (CRI) fails the sandbox without it.
    /// </summary>
    public string LogDirectory { get; init; } = "";
}

/// <summary>
/// A host path exposed in a container (CRI Mount). The agent's volume manager has already set the host path up
/// (volume directory, subPath); the runtime only binds it (docs/contracts.md).
/// </summary>
public sealed record Mount(string HostPath, string ContainerPath, bool ReadOnly = false);

/// <summary>
/// What a container instance needs (CRI ContainerConfig). Env is already resolved by the agent (fieldRef, $(VAR)).
/// </summary>
public sealed record ContainerConfig
{
    public required string Name { get; init; }
    public required ContainerKind Kind { get; init; }
    public required string Hash { get; init; }

    /// <summary>The API restart count this instance starts with (kubelet's restartCount annotation).</summary>
    public int RestartCount { get; init; }

    public string Image { get; init; } = "";

    /// <summary><c>command</c> followed by <c>args</c>; run as argv, never through a shell.</summary>
    public required IReadOnlyList<string> Argv { get; init; }

    /// <summary>
    /// The spec's <c>command</c> and <c>args</c> (after $(VAR) expansion) kept apart for image runtimes: an empty
    /// Command runs the image's ENTRYPOINT, an empty Args its CMD.
    /// </summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    public IReadOnlyList<string> Args { get; init; } = [];

    public ContainerResources Resources { get; init; } = ContainerResources.None;

    /// <summary>Environment in spec order (later entries win).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Env { get; init; } = [];

    public string? WorkingDir { get; init; }
    public IReadOnlyList<Mount> Mounts { get; init; } = [];
    public long? RunAsUser { get; init; }
    public long? RunAsGroup { get; init; }
    public ContainerSecurity Security { get; init; } = ContainerSecurity.Default;

    /// <summary><c>lifecycle.stopSignal</c> (e.g. <c>SIGUSR1</c>); SIGTERM when null.</summary>
    public string? StopSignal { get; init; }

    public string TerminationMessagePath { get; init; } = "/dev/termination-log";

    /// <summary><c>File</c> or <c>FallbackToLogsOnError</c> (docs/lifecycle.md §10.3).</summary>
    public string TerminationMessagePolicy { get; init; } = "File";

    /// <summary>Where the CRI-format log of this instance goes (chosen by the agent, under <see cref="PodSandboxConfig.LogDirectory"/>).</summary>
    public required string LogPath { get; init; }
}

/// <summary>
/// The container's securityContext as the kubelet hands it to CRI (LinuxContainerSecurityContext): capability names as
/// the spec writes them (with or without <c>CAP_</c>, or <c>ALL</c>), no_new_privs when allowPrivilegeEscalation is
/// false (kubelet AddNoNewPrivileges), privileged, readonly_rootfs.
/// </summary>
public sealed record ContainerSecurity
{
    public static ContainerSecurity Default { get; } = new();

    public bool Privileged { get; init; }
    public IReadOnlyList<string> AddCapabilities { get; init; } = [];
    public IReadOnlyList<string> DropCapabilities { get; init; } = [];
    public bool NoNewPrivileges { get; init; }
    public bool ReadOnlyRootFilesystem { get; init; }
}

/// <summary>
/// A container lifecycle event (see <see cref="IContainerRuntime.Events"/>). Exits are what wake pod workers; they
/// arrive within a millisecond.
/// </summary>
public sealed record ContainerEvent(string PodUid, string ContainerId, string Name, ContainerEventType Type);

public enum ContainerEventType
{
    Started,
    Exited,
}

/// <summary>Result of running a command inside a container's namespaces (exec probes and hooks).</summary>
public sealed record ExecResult(int ExitCode, string Output, bool TimedOut);

/// <summary>
/// The CRI-shaped seam between the agent and a container backend. Every call is safe to make concurrently for
/// different containers. <see cref="GetPodStatus"/> is in-memory and cheap. The contract below is what every backend
/// keeps and what the agent relies on; <c>RuntimeContractTests</c> (tests/Podvisor.Runtime.Contract) pins it for the
/// process runtime, the CRI runtime and the agent tests' fake.
/// <list type="bullet">
/// <item>A call returns once its step shows in <see cref="GetPodStatus"/>: a created instance is Created, a started one
/// Running (or already Exited), a stopped one Exited, a removed one gone.</item>
/// <item>Stopping or removing an id that is already stopped, removed or unknown is a no-op, never an error: the agent
/// acts on snapshots that can be a moment old.</item>
/// <item>A container that cannot be created or started (missing executable, unknown or stopped sandbox, unknown id)
/// fails with <see cref="ContainerStartException"/>, at create or at start.</item>
/// <item>An event is written after the snapshot shows its step: a snapshot taken once an event was read shows at least
/// that step (<see cref="Events"/>).</item>
/// <item>Runtimes whose containers outlive them (the CRI runtime; the process runtime with a shim of its own) adopt on
/// open what an earlier instance left: the same sandbox and container ids, a running container unchanged and not
/// restarted, and an exit that happened while no instance was open with its real exit code.</item>
/// </list>
/// </summary>
public interface IContainerRuntime
{
    /// <summary>
    /// Creates the sandbox (network namespace + IP, pod directory) and returns its id; it is Ready in the snapshot.
    /// A failure throws <see cref="PodSandboxException"/>.
    /// </summary>
    ValueTask<string> RunPodSandboxAsync(PodSandboxConfig config, CancellationToken ct);

    /// <summary>
    /// Kills anything left in the sandbox and tears down its network; returns once the sandbox shows not Ready and its
    /// containers Exited. A no-op for a stopped, removed or unknown sandbox.
    /// </summary>
    ValueTask StopPodSandboxAsync(string sandboxId, CancellationToken ct);

    /// <summary>
    /// Removes the sandbox (stopping it first if needed) with its container instances, and, with the pod's last sandbox,
    /// the runtime's per-container files; the snapshot shows neither. A no-op for a removed or unknown sandbox.
    /// </summary>
    ValueTask RemovePodSandboxAsync(string sandboxId, CancellationToken ct);

    /// <summary>
    /// Creates (does not start) a container instance in the sandbox and returns its id; the snapshot shows it Created.
    /// Never pulls. An unknown sandbox, or one the backend cannot create in, throws <see cref="ContainerStartException"/>.
    /// </summary>
    ValueTask<string> CreateContainerAsync(string sandboxId, ContainerConfig config, CancellationToken ct);

    /// <summary>
    /// Starts a created container: it shows Running (or already Exited) and a Started event follows. A start failure
    /// (missing executable, sandbox not Ready, unknown id) throws <see cref="ContainerStartException"/> and leaves the
    /// instance Exited with containerd's exit code 128 and reason <c>StartError</c>, followed by an Exited event.
    /// </summary>
    ValueTask StartContainerAsync(string containerId, CancellationToken ct);

    /// <summary>
    /// Sends the stop signal to the container's process group and SIGKILL after <paramref name="gracePeriod"/> (at once
    /// when it is zero: exit code 137); completes once the snapshot shows the instance Exited. A no-op for a container
    /// that is not running, removed or unknown: an exited instance keeps its status.
    /// </summary>
    ValueTask StopContainerAsync(string containerId, TimeSpan gracePeriod, CancellationToken ct);

    /// <summary>
    /// Forgets a container instance (killing it first if it still runs); the snapshot no longer shows it. Its log file
    /// is kept (the agent prunes logs, docs/lifecycle.md §D11). A no-op for a removed or unknown id.
    /// </summary>
    ValueTask RemoveContainerAsync(string containerId, CancellationToken ct);

    /// <summary>
    /// The runtime's view of one pod: sandboxes and container instances, newest first; empty for a pod it holds nothing
    /// of. An immutable snapshot: a later step never changes one already returned.
    /// </summary>
    RuntimePodStatus GetPodStatus(string podUid);

    /// <summary>The UID of every pod the runtime holds a sandbox or a container of (CRI ListPodSandbox, by pod UID).</summary>
    IReadOnlyCollection<string> PodUids { get; }

    /// <summary>Runs argv inside the container's namespaces with its env and user (exec probes and hooks).</summary>
    ValueTask<ExecResult> ExecSyncAsync(string containerId, IReadOnlyList<string> argv, TimeSpan timeout, CancellationToken ct);

    /// <summary>
    /// Container started/exited events, in order, one reader: the agent. Each is written after the snapshot shows its
    /// step; per instance at most one Started (none for a failed start) and then one Exited. Steps taken while no
    /// instance was open are not replayed as such: a new instance shows them in its snapshot, at once or followed by
    /// their event (the process runtime reports an adopted container's exit as an event, the CRI runtime's first
    /// relist records it silently): the agent syncs every pod it is handed from the snapshot once the runtime is open.
    /// </summary>
    ChannelReader<ContainerEvent> Events { get; }

    /// <summary>
    /// The runtime's image store, or null for a runtime without images (the process runtime): the agent pulls per
    /// imagePullPolicy before each create only where there is one. CreateContainer never pulls.
    /// </summary>
    IImageService? Images => null;
}

/// <summary>A container could not be started (missing binary, permission denied, bad working dir ...).</summary>
public sealed class ContainerStartException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A pod sandbox could not be set up (network failure ...).</summary>
public sealed class PodSandboxException(string message, Exception? inner = null) : Exception(message, inner);
