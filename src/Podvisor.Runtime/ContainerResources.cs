namespace Podvisor.Runtime;

/// <summary>
/// A container's <c>resources</c> as a runtime applies them (requests/limits of cpu in millicores, memory in bytes);
/// null means not set. The apiserver's defaulting (requests default to limits) has already happened.
/// </summary>
public sealed record ContainerResources
{
    public static readonly ContainerResources None = new();

    public long? CpuRequestMilli { get; init; }
    public long? CpuLimitMilli { get; init; }
    public long? MemoryRequestBytes { get; init; }
    public long? MemoryLimitBytes { get; init; }
}
