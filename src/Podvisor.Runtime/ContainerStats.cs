namespace Podvisor.Runtime;

/// <summary>
/// Mirrors CRI ContainerStats (cpu.usage_core_nano_seconds, memory.working_set_bytes): cumulative CPU time and the
/// memory in use of one running container, read at <see cref="Timestamp"/>.
/// </summary>
public sealed record ContainerStats(string ContainerId, DateTimeOffset Timestamp, ulong CpuUsageCoreNanoSeconds, ulong MemoryWorkingSetBytes);

/// <summary>
/// An optional runtime capability (CRI ListContainerStats): usage of every running container, read in one pass.
/// Thread-safe; never blocks on a container.
/// </summary>
public interface IContainerStatsProvider
{
    IReadOnlyList<ContainerStats> ListContainerStats();
}
