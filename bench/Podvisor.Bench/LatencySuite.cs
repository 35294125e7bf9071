using System.Diagnostics;

namespace Podvisor.Bench;

/// <summary>
/// floor, exit_to_restart, restart_all_cycle and recreate: trigger-to-running latencies of one pod at a time on an
/// otherwise idle node, each against a floor measured just before with <see cref="DirectSpawner"/>.
/// </summary>
internal static class LatencySuite
{
    private const int Warmup = 5;
    private const int Batch = 20;

    public static async Task<IReadOnlyList<Figure>> RunAsync(BenchOptions options)
    {
        var samples = options.Quick ? 30 : 200;
        await using var node = await BenchNode.StartAsync("latency");
        var (floor, exitToRestart, phases) = await ExitToRestartAsync(node, samples);
        var (cycleFloor, cycle) = await RestartAllCycleAsync(node, samples);
        var recreate = await RecreateAsync(node, options.Quick ? 10 : 50);
        return
        [
            floor.ToFigure("floor", "ms", null, null, null) with
            {
                Note = "posix_spawn + pidfd, no Podvisor: SIGUSR1 to `sleep` -> reaped -> next `sleep` spawned; each sample taken just before an exit_to_restart sample",
            },
            exitToRestart.ToFigure("exit_to_restart", "ms", floor.P99, "p99 <= floor + 5 ms", s => s.P99 - floor.P99 <= 5) with
            {
                Note = "new pod per sample (first restart, no backoff); p50 split: exit seen + sync + plan "
                    + $"{Samples.Round(phases.Sync.P50)} ms, CreateContainer {Samples.Round(phases.Create.P50)} ms, StartContainer {Samples.Round(phases.Start.P50)} ms",
            },
            cycle.ToFigure("restart_all_cycle", "ms", cycleFloor.P99, "p99 <= 3x floor", s => s.P99 <= 3 * cycleFloor.P99) with
            {
                Note = $"baseline: direct kill 2 + 4 starts (init run to completion), interleaved, p50 {Samples.Round(cycleFloor.P50)} ms",
            },
            recreate.ToFigure("recreate", "ms", cycle.P99, "p99 >= 5x restart_all_cycle", s => s.P99 >= 5 * cycle.P99) with
            {
                Note = "delete (grace 0) + create with a new sandbox until all running; baseline: restart_all_cycle p99",
            },
        ];
    }

    /// <summary>Where exit-to-restart time goes: until the agent calls CreateContainer, in it, in StartContainer.</summary>
    private sealed record Phases(Samples Sync, Samples Create, Samples Start);

    /// <summary>SIGUSR1 to a container with a Restart rule -> its next instance Started. A fresh pod per sample.</summary>
    private static async Task<(Samples Floor, Samples Podvisor, Phases)> ExitToRestartAsync(BenchNode node, int samples)
    {
        var template = BenchNode.Admit(Pods.Restart, "restart");
        using var direct = new Floors.Restart();
        var floor = new Samples();
        var result = new Samples();
        var phases = new Phases(new Samples(), new Samples(), new Samples());
        var taken = -Warmup;
        while (taken < samples)
        {
            var pods = Enumerable.Range(0, Batch).Select(i => BenchNode.Copy(template, $"restart-{taken + Warmup}-{i}")).ToList();
            await Task.WhenAll(pods.Select(p => node.CreateRunningAsync(p, ["main"])));
            await node.Agent.WaitIdleAsync();
            foreach (var pod in pods.TakeWhile(_ => taken < samples))
            {
                var uid = pod.Metadata.Uid;
                var pid = await node.PidAsync(uid, "main");
                node.Runtime.ForgetStarts(uid);
                var floorMs = direct.Sample();
                var t0 = Stopwatch.GetTimestamp();
                Native.kill(pid, Native.SIGUSR1);
                var started = await node.WaitStartedAsync(uid, ["main"]);
                if (taken >= 0)
                {
                    floor.Add(floorMs);
                    phases.Sync.Add(Ticks.ToMs(started.CreateCalled - t0));
                    phases.Create.Add(Ticks.ToMs(started.StartCalled - started.CreateCalled));
                    phases.Start.Add(Ticks.ToMs(started.Timestamp - started.StartCalled));
                }

                AddAfterWarmup(result, ref taken, started.Timestamp - t0);
                await node.Agent.WaitIdleAsync();
            }

            await Task.WhenAll(pods.Select(p => node.DeleteAsync(p.Metadata.Uid)));
        }

        return (floor, result, phases);
    }

    /// <summary>SIGUSR1 to the trigger -> sidecar, trigger and worker Started again (the init container ran between).</summary>
    private static async Task<(Samples Floor, Samples Podvisor)> RestartAllCycleAsync(BenchNode node, int samples)
    {
        using var direct = new Floors.Cycle();
        var floor = new Samples();
        var pod = BenchNode.Admit(Pods.RestartAll, "restart-all");
        var uid = pod.Metadata.Uid;
        await node.CreateRunningAsync(pod, Pods.RestartAllRunning);
        await node.Agent.WaitIdleAsync();
        var result = new Samples();
        for (var taken = -Warmup; taken < samples;)
        {
            var pid = await node.PidAsync(uid, "trigger");
            node.Runtime.ForgetStarts(uid);
            var floorMs = direct.Sample();
            if (taken >= 0)
            {
                floor.Add(floorMs);
            }

            var t0 = Stopwatch.GetTimestamp();
            Native.kill(pid, Native.SIGUSR1);
            var started = await node.WaitStartedAsync(uid, Pods.RestartAllRunning);
            AddAfterWarmup(result, ref taken, started.Timestamp - t0);
            await node.Agent.WaitIdleAsync();
        }

        await node.DeleteAsync(uid);
        return (floor, result);
    }

    /// <summary>The restart-all pod deleted (grace 0) and created again (new UID, new sandbox) until all run again.</summary>
    private static async Task<Samples> RecreateAsync(BenchNode node, int samples)
    {
        var template = BenchNode.Admit(Pods.RestartAll, "recreate");
        var pod = BenchNode.Copy(template, "recreate");
        await node.CreateRunningAsync(pod, Pods.RestartAllRunning);
        await node.Agent.WaitIdleAsync();
        var result = new Samples();
        for (var taken = -Warmup; taken < samples;)
        {
            var next = BenchNode.Copy(template, "recreate");
            var t0 = Stopwatch.GetTimestamp();
            await node.DeleteAsync(pod.Metadata.Uid);
            node.Create(next);
            var started = await node.WaitStartedAsync(next.Metadata.Uid, Pods.RestartAllRunning);
            AddAfterWarmup(result, ref taken, started.Timestamp - t0);
            await node.Agent.WaitIdleAsync();
            pod = next;
        }

        await node.DeleteAsync(pod.Metadata.Uid);
        return result;
    }

    private static void AddAfterWarmup(Samples samples, ref int taken, long ticks)
    {
        if (taken++ >= 0)
        {
            samples.Add(Ticks.ToMs(ticks));
        }
    }
}
