using Podvisor.Runtime.Process.Native;

namespace Podvisor.Runtime.Process;

/// <summary>A bind mount made in a container's private mount namespace.</summary>
internal sealed record BindMount(string Source, string Target, bool ReadOnly, bool IsFile);

/// <summary>Credentials for the child: uid, gid and supplementary groups.</summary>
internal sealed record Credentials(uint Uid, uint Gid, uint[] Groups);

/// <summary>Where the child's namespaces come from.</summary>
internal abstract record NamespacePlan
{
    /// <summary>The agent's own namespaces (host network, host mounts).</summary>
    public sealed record Host : NamespacePlan;

    /// <summary>
    /// A new private mount namespace with <paramref name="Mounts"/>, in network namespace <paramref name="Netns"/> and
    /// UTS namespace <paramref name="Uts"/> (null: the host's); with <paramref name="ReadOnlyRoot"/> its <c>/</c> is
    /// remounted read-only (readOnlyRootFilesystem).
    /// </summary>
    public sealed record NewContainer(SafeFd? Netns, SafeFd? Uts, IReadOnlyList<BindMount> Mounts, bool ReadOnlyRoot = false) : NamespacePlan;

    /// <summary>The mount, network and UTS namespaces of a running process (exec), entered through its pidfd.</summary>
    public sealed record JoinProcess(SafeFd Pidfd) : NamespacePlan;
}

/// <summary>Everything the spawner needs to start one process.</summary>
internal sealed record SpawnSpec
{
    public required IReadOnlyList<string> Argv { get; init; }

    /// <summary>The complete environment, <c>KEY=VALUE</c>; nothing is inherited from the agent.</summary>
    public required IReadOnlyList<string> Env { get; init; }

    public string? WorkingDir { get; init; }
    public Credentials? Credentials { get; init; }

    /// <summary>The capability numbers the child may hold (its bounding set); null: unchanged (as root: all).</summary>
    public IReadOnlySet<int>? Capabilities { get; init; }

    /// <summary>prctl(PR_SET_NO_NEW_PRIVS) for the child (allowPrivilegeEscalation: false).</summary>
    public bool NoNewPrivileges { get; init; }
    public required NamespacePlan Namespaces { get; init; }

    /// <summary>Child end of the stdin pipe (dup'ed to fd 0); /dev/null when null.</summary>
    public SafeFd? Stdin { get; init; }

    /// <summary>
    /// A pty slave path opened as fd 0 after setsid, without O_NOCTTY, so that it becomes the controlling terminal
    /// (Linux tty_open); takes the place of <see cref="Stdin"/>.
    /// </summary>
    public string? Terminal { get; init; }

    /// <summary>Child end of the stdout pipe (dup'ed to fd 1).</summary>
    public required SafeFd Stdout { get; init; }

    /// <summary>Child end of the stderr pipe (dup'ed to fd 2).</summary>
    public required SafeFd Stderr { get; init; }
}

/// <summary>The result of a spawn: a running process, or the containerd-style reason it could not start.</summary>
internal readonly record struct SpawnOutcome(int Pid, SafeFd? Pidfd, string? Error)
{
    public bool Started => Error is null;
}

/// <summary>A start failure with a containerd/runc-style message.</summary>
internal sealed class SpawnFailure(string message) : Exception(message);
