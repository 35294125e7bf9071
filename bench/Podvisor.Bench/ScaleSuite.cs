using System.Diagnostics;

namespace Podvisor.Bench;

/// <summary>
/// idle_cpu_110, idle_cpu_1000, rss_1000, storm_1000: N pods of 3 <c>sleep</c> containers on this node. CPU and memory
/// are this whole process (harness + agent + runtime), sampled once a second while nothing happens (after JIT warm-up); the storm
/// triggers RestartAllContainers in every pod at once and waits until all 3N containers were started again.
/// </summary>
internal static class ScaleSuite
{
    private const int CreateBatch = 50;

    /// <summary>Idle CPU is CPU time over wall time of the whole window; p50/p99 show how it is spread over seconds.</summary>
    private const string IdleTarget = "mean < 1 %, p99 < 2 %";

    public static async Task<IReadOnlyList<Figure>> RunAsync(BenchOptions options)
    {
        var large = options.Quick ? 110 : 1000;
        var storms = options.Quick ? 2 : 3;
        var window = options.Quick ? 5 : 60;
        var scaled = options.Quick ? $"scaled down: {large} pods (--quick)" : "";
        var stormFloor = Floors.Storm(large, storms);
        var figures = new List<Figure>();

        Idle? small = null;
        if (!options.Quick)
        {
            await using var node = await BenchNode.StartAsync("scale110");
            var (uids, _) = await CreatePodsAsync(node, 110);
            small = await MeasureIdleAsync(node, uids.Count, window);
        }

        await using (var node = await BenchNode.StartAsync($"scale{large}"))
        {
            var (uids, created) = await CreatePodsAsync(node, large);
            var idle = await MeasureIdleAsync(node, uids.Count, window);
            small ??= idle;
            var reached = uids.Count < large ? $"only {uids.Count} of {large} pods could run; " : "";
            var storm = await StormAsync(node, uids, storms);
            var note = $"{reached}{scaled}".TrimEnd(' ', ';');
            figures.Add(small.Cpu.ToFigure("idle_cpu_110", "% of one core", null, IdleTarget, s => s.Mean < 1 && s.P99 < 2) with
            {
                Note = $"{small.Pods} pods x 3 containers; mean {small.Cpu.Mean:F2} % over {window} x 1 s windows after {small.WarmUpSeconds} s of JIT warm-up",
            });
            figures.Add(idle.Cpu.ToFigure("idle_cpu_1000", "% of one core", null, IdleTarget, s => s.Mean < 1 && s.P99 < 2) with
            {
                Note = Join(note, $"{idle.Pods} pods x 3 containers; mean {idle.Cpu.Mean:F2} % over {window} x 1 s windows after {idle.WarmUpSeconds} s of JIT warm-up"),
            });
            figures.Add(idle.Rss.ToFigure("rss_1000", "MB", null, "p99 < 300 MB", s => s.P99 < 300) with
            {
                Note = Join(note, $"working set of the whole process (harness included); GC heap {idle.HeapMb:F0} MB, private {idle.PrivateMb:F0} MB; {created.TotalSeconds:F1} s to start all pods"),
            });
            figures.Add(storm.ToFigure("storm_1000", "ms", stormFloor.P99, "p99 < 10 s", s => s.P99 < 10_000) with
            {
                Note = Join(note, $"all {idle.Pods * 3} containers started again; baseline: direct serial kill/reap/spawn of the same"),
            });
        }

        return figures;
    }

    private static string Join(string a, string b) => a.Length == 0 ? b : $"{a}; {b}";

    /// <summary>Creates pods in batches until <paramref name="count"/> run or one fails to come up (the machine's limit).</summary>
    private static async Task<(List<string> Uids, TimeSpan Elapsed)> CreatePodsAsync(BenchNode node, int count)
    {
        var template = BenchNode.Admit(Pods.Scale, "scale");
        var started = Stopwatch.StartNew();
        var uids = new List<string>(count);
        while (uids.Count < count)
        {
            var batch = Enumerable.Range(uids.Count, Math.Min(CreateBatch, count - uids.Count)).Select(i => BenchNode.Copy(template, $"scale-{i}")).ToList();
            try
            {
                await Task.WhenAll(batch.Select(p => node.CreateRunningAsync(p, Pods.ScaleRunning)));
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                Console.Error.WriteLine($"scale: pods stopped coming up after {uids.Count}: {e.Message}");
                break;
            }

            uids.AddRange(batch.Select(p => p.Metadata.Uid));
        }

        await node.Agent.WaitIdleAsync();
        return (uids, started.Elapsed);
    }

    /// <param name="HeapMb">The GC heap after the last collection (<see cref="GCMemoryInfo.HeapSizeBytes"/>).</param>
    private sealed record Idle(int Pods, Samples Cpu, Samples Rss, double PrivateMb, double HeapMb, int WarmUpSeconds);

    /// <summary>After warm-up, CPU (% of one core) and working set (MB) of this process, once a second.</summary>
    private static async Task<Idle> MeasureIdleAsync(BenchNode node, int pods, int seconds)
    {
        await node.Agent.WaitIdleAsync();
        var warmUp = await WarmUpAsync();
        using var self = Process.GetCurrentProcess();
        var cpu = new Samples();
        var rss = new Samples();
        var lastCpu = self.TotalProcessorTime;
        var lastWall = Stopwatch.GetTimestamp();
        for (var i = 0; i < seconds; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            self.Refresh();
            var nowCpu = self.TotalProcessorTime;
            var nowWall = Stopwatch.GetTimestamp();
            cpu.Add((nowCpu - lastCpu).TotalMilliseconds / Ticks.ToMs(nowWall - lastWall) * 100);
            rss.Add(self.WorkingSet64 / 1024.0 / 1024.0);
            (lastCpu, lastWall) = (nowCpu, nowWall);
        }

        return new Idle(pods, cpu, rss, self.PrivateMemorySize64 / 1024.0 / 1024.0, GC.GetGCMemoryInfo().HeapSizeBytes / 1024.0 / 1024.0, warmUp);
    }

    /// <summary>
    /// Waits until the JIT has settled (fewer than 5 methods compiled a second, twice in a row; at most 30 s) and returns
    /// how long that took: tiered compilation recompiles hot methods in the background for several seconds after the
    /// pods started (up to ~100 ms of CPU a second on a 2-core VM), which is warm-up, not idle cost.
    /// </summary>
    private static async Task<int> WarmUpAsync()
    {
        var quiet = 0;
        var seconds = 0;
        var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        while (seconds < 30 && quiet < 2)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            seconds++;
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            quiet = now - compiled < 5 ? quiet + 1 : 0;
            compiled = now;
        }

        return seconds;
    }

    /// <summary>SIGUSR1 to every pod's c0 at once -> every container of every pod Started again.</summary>
    private static async Task<Samples> StormAsync(BenchNode node, List<string> uids, int storms)
    {
        var result = new Samples();
        for (var s = 0; s < storms; s++)
        {
            var pids = await Task.WhenAll(uids.Select(uid => node.PidAsync(uid, "c0")));
            uids.ForEach(node.Runtime.ForgetStarts);
            var t0 = Stopwatch.GetTimestamp();
            foreach (var pid in pids)
            {
                Native.kill(pid, Native.SIGUSR1);
            }

            var starts = await Task.WhenAll(uids.Select(uid => node.WaitStartedAsync(uid, Pods.ScaleRunning)));
            result.Add(Ticks.ToMs(starts.Max(s => s.Timestamp) - t0));
            await node.Agent.WaitIdleAsync();
        }

        return result;
    }
}
