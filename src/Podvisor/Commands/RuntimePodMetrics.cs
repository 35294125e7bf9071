using System.Collections.Concurrent;
using System.Globalization;
using Podvisor.Api.Metrics;
using Podvisor.Core.Model;
using Podvisor.Node.Abstractions;
using Podvisor.Runtime;

namespace Podvisor.Commands;

/// <summary>
/// The API's metrics seam over a runtime with stats (docs/contracts.md §2, "Metrics"). Read on demand, no sampler:
/// a CPU rate is the change between the last two reads at least <see cref="MinimumWindow"/> apart (what metrics-server
/// reports between two scrapes); before a second read it is the average since the container (or the node) started.
/// Memory is the working set at the read.
/// </summary>
internal sealed class RuntimePodMetrics(IContainerRuntime runtime, IContainerStatsProvider stats, TimeProvider time) : IPodMetrics
{
    public static readonly TimeSpan MinimumWindow = TimeSpan.FromSeconds(1);

    private const string NodeKey = "";
    private readonly ConcurrentDictionary<string, Samples> _samples = new();

    /// <summary>The last two reads of one cumulative CPU counter, the newer one last.</summary>
    private sealed record Samples(Sample? Older, Sample Newer);

    private readonly record struct Sample(DateTimeOffset At, ulong CpuNanoseconds);

    public IReadOnlyDictionary<string, PodUsage> Pods(IReadOnlyCollection<string> podUids)
    {
        var read = stats.ListContainerStats().ToDictionary(s => s.ContainerId);
        var usage = new Dictionary<string, PodUsage>();
        foreach (var uid in podUids)
        {
            var containers = new List<ContainerUsage>();
            var window = TimeSpan.Zero;
            var at = time.GetUtcNow();
            foreach (var c in runtime.GetPodStatus(uid).Containers.Where(c => c.State == RuntimeContainerState.Running))
            {
                if (read.TryGetValue(c.Id, out var s))
                {
                    var (cores, w) = Rate(c.Id, s.Timestamp, s.CpuUsageCoreNanoSeconds, c.StartedAt ?? c.CreatedAt);
                    containers.Add(new ContainerUsage(c.Name, cores, s.MemoryWorkingSetBytes));
                    (window, at) = (w > window ? w : window, s.Timestamp);
                }
            }

            if (containers.Count > 0)
            {
                usage[uid] = new PodUsage(at, window, containers);
            }
        }

        ForgetGone(read.Keys);
        return usage;
    }

    public NodeUsage Node()
    {
        var now = time.GetUtcNow();
        var (busy, bootedAt) = HostCpu.Read(now);
        var (cores, window) = Rate(NodeKey, now, busy, bootedAt);
        return new NodeUsage(now, window, cores, HostCpu.MemoryInUse());
    }

    /// <summary>Nanocores over the window ending at this read, and the window.</summary>
    private (ulong NanoCores, TimeSpan Window) Rate(string key, DateTimeOffset at, ulong cpu, DateTimeOffset startedAt)
    {
        var now = new Sample(at, cpu);
        var samples = _samples.AddOrUpdate(key, _ => new Samples(null, now),
            (_, old) => at - old.Newer.At >= MinimumWindow ? new Samples(old.Newer, now) : old);
        var (from, to) = samples.Older is { } older ? (older, samples.Newer) : (new Sample(startedAt, 0), now);
        var window = to.At - from.At;
        return window <= TimeSpan.Zero || to.CpuNanoseconds < from.CpuNanoseconds
            ? (0, window)
            : ((ulong)((to.CpuNanoseconds - from.CpuNanoseconds) / window.TotalSeconds), window);
    }

    /// <summary>Drops the samples of containers that no longer run.</summary>
    private void ForgetGone(IEnumerable<string> running)
    {
        var keep = running.ToHashSet();
        foreach (var key in _samples.Keys.Where(k => k != NodeKey && !keep.Contains(k)))
        {
            _samples.TryRemove(key, out _);
        }
    }

    /// <summary>The host's CPU and memory from /proc (what the kubelet's summary reports for the node).</summary>
    private static class HostCpu
    {
        /// <summary>Busy CPU time of all cores (user, nice, system, irq, softirq, steal of /proc/stat) and the boot time.</summary>
        public static (ulong BusyNanoseconds, DateTimeOffset BootedAt) Read(DateTimeOffset now)
        {
            ulong busy = 0;
            var bootedAt = now - TimeSpan.FromMilliseconds(Environment.TickCount64);
            foreach (var line in File.ReadLines("/proc/stat"))
            {
                if (line.StartsWith("cpu ", StringComparison.Ordinal))
                {
                    var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    foreach (var i in new[] { 1, 2, 3, 6, 7, 8 })
                    {
                        busy += i < f.Length && ulong.TryParse(f[i], NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : 0;
                    }
                }
                else if (line.StartsWith("btime ", StringComparison.Ordinal)
                    && long.TryParse(line["btime ".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var boot))
                {
                    bootedAt = DateTimeOffset.FromUnixTimeSeconds(boot);
                }
            }

            return (busy * 10_000_000, bootedAt); // USER_HZ 100: 10 ms per tick
        }

        /// <summary>MemTotal − MemAvailable of /proc/meminfo, in bytes.</summary>
        public static ulong MemoryInUse()
        {
            ulong total = 0, available = 0;
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length >= 2 && ulong.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kb))
                {
                    (total, available) = f[0] switch
                    {
                        "MemTotal:" => (kb, available),
                        "MemAvailable:" => (total, kb),
                        _ => (total, available),
                    };
                }
            }

            return (total > available ? total - available : 0) * 1024;
        }
    }
}
