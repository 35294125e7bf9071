using Podvisor.Core.Model;

namespace Podvisor.Runtime.Process;

public sealed partial class ProcessRuntime : IContainerStatsProvider
{
    /// <summary>Usage of every running container, from one pass over /proc (<see cref="ProcessGroupStats"/>).</summary>
    public IReadOnlyList<ContainerStats> ListContainerStats()
    {
        var running = _containers.Values
            .Where(c => c.Status.State == RuntimeContainerState.Running && c.Record.Pid > 0)
            .Select(c => (c.Record.Id, c.Record.Pid))
            .ToList();
        var now = _time.GetUtcNow();
        var usage = ProcessGroupStats.Read(running.Select(c => c.Pid).ToHashSet());
        return [.. running.Where(c => usage.ContainsKey(c.Pid))
            .Select(c => new ContainerStats(c.Id, now, usage[c.Pid].CpuNanoseconds, usage[c.Pid].RssBytes))];
    }
}
