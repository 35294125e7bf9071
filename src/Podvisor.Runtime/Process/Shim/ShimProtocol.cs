using System.Text.Json.Serialization;

namespace Podvisor.Runtime.Process.Shim;

/// <summary>
/// One line of the shim protocol: compact JSON, one message per line, over the Unix socket
/// <c>DataDir/runtime/shim.sock</c>. The agent sends <see cref="ShimOps.Hello"/>, <see cref="ShimOps.Start"/> (both
/// answered with the same <see cref="Seq"/>), <see cref="ShimOps.Signal"/> and <see cref="ShimOps.Forget"/>; the shim
/// sends <see cref="ShimOps.Exited"/> when a container's process was reaped and its output reached end of file.
/// </summary>
internal sealed record ShimMessage
{
    public required string Op { get; init; }

    /// <summary>Set by the agent on requests; echoed on the reply.</summary>
    public long Seq { get; init; }

    public string? Id { get; init; }
    public ShimStart? Start { get; init; }
    public int Signal { get; init; }

    /// <summary>The reply to Start (the running process), or the Exited event.</summary>
    public ShimContainer? Container { get; init; }

    /// <summary>The reply to Hello: every container the shim knows, running or exited and not yet forgotten.</summary>
    public IReadOnlyList<ShimContainer>? Containers { get; init; }

    /// <summary>The reply to a Start that could not spawn: containerd's message for the start error.</summary>
    public string? Error { get; init; }
}

internal static class ShimOps
{
    public const string Hello = "hello";
    public const string State = "state";
    public const string Start = "start";
    public const string Started = "started";
    public const string Signal = "signal";
    public const string Forget = "forget";
    public const string Exited = "exited";
}

/// <summary>
/// A container start: the process to spawn and where its output goes, plus the agent's records of the container and its
/// sandbox as they were at the start. The shim hands the records back in Hello, so a new agent adopts the process even
/// when its own copy of a record, written behind, did not reach the disk before it was killed.
/// </summary>
internal sealed record ShimStart
{
    public required SandboxRecord Sandbox { get; init; }
    public required ContainerRecord Container { get; init; }
    public required IReadOnlyList<string> Argv { get; init; }
    public required IReadOnlyList<string> Env { get; init; }
    public required string WorkingDir { get; init; }
    public Credentials? Credentials { get; init; }

    /// <summary>A private mount namespace with <see cref="Mounts"/> (root); false: the host's namespaces.</summary>
    public bool NewMountNamespace { get; init; }

    public IReadOnlyList<BindMount> Mounts { get; init; } = [];

    /// <summary>The capability numbers the container may hold; null: all (privileged, or without root).</summary>
    public IReadOnlyList<int>? Capabilities { get; init; }

    public bool NoNewPrivileges { get; init; }

    /// <summary>readOnlyRootFilesystem: <c>/</c> read-only in the container's mount namespace.</summary>
    public bool ReadOnlyRoot { get; init; }

    /// <summary>The network namespace name under /run/netns; null: the host network.</summary>
    public string? Netns { get; init; }

    /// <summary>The UTS namespace name under /run/utsns; null: the host's hostname.</summary>
    public string? Uts { get; init; }

    public ContainerLogRotation LogRotation { get; init; } = ContainerLogRotation.Default;
}

/// <summary>A container process the shim owns.</summary>
internal sealed record ShimContainer
{
    public required string Id { get; init; }
    public int Pid { get; init; }

    /// <summary>Field 22 of /proc/PID/stat, read by the shim right after the spawn.</summary>
    public ulong PidStartTime { get; init; }

    /// <summary>When the spawn returned, by the shim's clock (before any exit can be seen).</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Null while it runs.</summary>
    public ShimExit? Exit { get; init; }

    /// <summary>The agent's records from the start (null in Started replies and Exited events).</summary>
    public SandboxRecord? Sandbox { get; init; }

    public ContainerRecord? Record { get; init; }
}

/// <summary>How the process ended: the exit code as the kernel reports it (128+N for signal N), null if unknown.</summary>
internal sealed record ShimExit(int? ExitCode, DateTimeOffset FinishedAt);

[JsonSourceGenerationOptions(WriteIndented = false, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ShimMessage))]
[JsonSerializable(typeof(List<ShimContainer>))]
internal sealed partial class ShimJson : JsonSerializerContext;
