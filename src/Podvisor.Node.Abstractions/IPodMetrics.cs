namespace Podvisor.Node.Abstractions;

/// <summary>
/// The node side of <c>metrics.k8s.io</c> (what metrics-server reads from the kubelet's summary API), owned by the API
/// that consumes it. Implementations must be thread-safe and read the runtime once per call.
/// </summary>
public interface IPodMetrics
{
    /// <summary>Usage of the running containers of each pod in <paramref name="podUids"/>; a pod with none is left out.</summary>
    IReadOnlyDictionary<string, PodUsage> Pods(IReadOnlyCollection<string> podUids);

    /// <summary>Usage of the whole node.</summary>
    NodeUsage Node();
}

/// <summary>A container's CPU rate over the window and its memory working set at the end of it.</summary>
public sealed record ContainerUsage(string Name, ulong CpuNanoCores, ulong MemoryBytes);

/// <param name="Timestamp">The end of the window.</param>
public sealed record PodUsage(DateTimeOffset Timestamp, TimeSpan Window, IReadOnlyList<ContainerUsage> Containers);

public sealed record NodeUsage(DateTimeOffset Timestamp, TimeSpan Window, ulong CpuNanoCores, ulong MemoryBytes);
