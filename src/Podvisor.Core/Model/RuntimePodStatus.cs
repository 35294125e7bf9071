namespace Podvisor.Core.Model;

/// <summary>CRI container states (runtimeapi.ContainerState), as the kubelet's kubecontainer.State.</summary>
public enum RuntimeContainerState
{
    Created,
    Running,
    Exited,
    Unknown,
}

/// <summary>
/// What a runtime reports about one container instance (kubecontainer.Status). One record per instance:
/// a container restarted three times has up to four records with the same <see cref="Name"/>.
/// </summary>
public sealed record RuntimeContainerStatus
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required RuntimeContainerState State { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public int ExitCode { get; init; }

    /// <summary>Runtime reason for Exited: Completed, Error, OOMKilled, ContainerCannotRun.</summary>
    public string? Reason { get; init; }

    /// <summary>Runtime message (termination message already resolved per docs/lifecycle.md §10.3).</summary>
    public string? Message { get; init; }

    /// <summary>The container-spec hash the instance was created from (kubelet's "containerHash" label).</summary>
    public string Hash { get; init; } = "";

    /// <summary>Restart count recorded on the instance at creation (kubelet's restartCount annotation).</summary>
    public int RestartCount { get; init; }

    public string Image { get; init; } = "";

    /// <summary>The image the runtime resolved (CRI ContainerStatus.image_ref, a digest); the API's <c>imageID</c>. Empty without images.</summary>
    public string ImageRef { get; init; } = "";

    /// <summary>Kubernetes-style container ID, e.g. <c>podvisor://abc123</c>.</summary>
    public string ContainerId => "podvisor://" + Id;
}

/// <summary>What a runtime reports about a pod sandbox (network namespace + pod directory).</summary>
public sealed record RuntimeSandboxStatus
{
    public required string Id { get; init; }
    public required bool Ready { get; init; }
    public string? Ip { get; init; }
    public uint Attempt { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>
/// The runtime's view of one pod (kubecontainer.PodStatus). <see cref="Containers"/> is sorted newest first
/// (by <see cref="RuntimeContainerStatus.CreatedAt"/>), so the first match by name is the newest instance;
/// <see cref="Sandboxes"/> is newest first too.
/// </summary>
public sealed record RuntimePodStatus
{
    public static RuntimePodStatus Empty(string uid) => new() { Uid = uid };

    public required string Uid { get; init; }
    public IReadOnlyList<RuntimeSandboxStatus> Sandboxes { get; init; } = [];
    public IReadOnlyList<RuntimeContainerStatus> Containers { get; init; } = [];

    /// <summary>Value equality of the two snapshots: the same sandboxes and container instances in the same states.</summary>
    public bool SameAs(RuntimePodStatus other) =>
        Uid == other.Uid && Sandboxes.SequenceEqual(other.Sandboxes) && Containers.SequenceEqual(other.Containers);

    /// <summary>Mirrors kubecontainer.PodStatus.FindContainerStatusByName: the newest instance, or null.</summary>
    public RuntimeContainerStatus? FindContainerStatusByName(string name)
    {
        foreach (var c in Containers)
        {
            if (c.Name == name)
            {
                return c;
            }
        }

        return null;
    }

    /// <summary>All instances of one container name, newest first.</summary>
    public IEnumerable<RuntimeContainerStatus> InstancesOf(string name) => Containers.Where(c => c.Name == name);

    /// <summary>IP of the newest sandbox, if any.</summary>
    public string? PodIp => Sandboxes.Count > 0 ? Sandboxes[0].Ip : null;
}
