using System.Diagnostics;

namespace Podvisor.Bench;

/// <summary>
/// Same-run baselines without Podvisor (<see cref="DirectSpawner"/>), each the physical limit of the work a Podvisor
/// figure measures: the same argv, the same trigger (SIGUSR1 from the harness), the same kills and starts.
/// </summary>
internal static class Floors
{
    private const int Warmup = 10;

    /// <summary>Trigger exit of <c>sleep</c> -> reaped -> the next <c>sleep</c> spawned (the floor of exit_to_restart).</summary>
    public static Samples Restart(int samples)
    {
        using var spawner = new DirectSpawner();
        var sleep = spawner.Prepare("sleep", "3600");
        var result = new Samples();
        var process = spawner.Spawn(sleep);
        for (var i = 0; i < samples + Warmup; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            Native.kill(process.Pid, Native.SIGUSR1);
            DirectSpawner.WaitExit(process);
            process = spawner.Spawn(sleep);
            var t1 = Stopwatch.GetTimestamp();
            if (i >= Warmup)
            {
                result.Add(Ticks.ToMs(t1 - t0));
            }
        }

        DirectSpawner.Kill(process);
        return result;
    }

    /// <summary>
    /// The floor of a restart-all cycle of a pod with 1 init, 1 sidecar and 2 regular containers: the trigger exits and
    /// is reaped, the two other running processes are killed (SIGTERM) and reaped, then its 4 container starts in
    /// order: the init container (<c>true</c>) run to completion, the sidecar, the 2 regular containers.
    /// </summary>
    public static Samples Cycle(int samples)
    {
        using var spawner = new DirectSpawner();
        var sleep = spawner.Prepare("sleep", "3600");
        var init = spawner.Prepare("true");
        var result = new Samples();
        var (sidecar, trigger, other) = (spawner.Spawn(sleep), spawner.Spawn(sleep), spawner.Spawn(sleep));
        for (var i = 0; i < samples + Warmup; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            Native.kill(trigger.Pid, Native.SIGUSR1);
            DirectSpawner.WaitExit(trigger);
            Native.kill(sidecar.Pid, Native.SIGTERM);
            Native.kill(other.Pid, Native.SIGTERM);
            DirectSpawner.WaitExit(sidecar);
            DirectSpawner.WaitExit(other);
            DirectSpawner.WaitExit(spawner.Spawn(init));
            (sidecar, trigger, other) = (spawner.Spawn(sleep), spawner.Spawn(sleep), spawner.Spawn(sleep));
            var t1 = Stopwatch.GetTimestamp();
            if (i >= Warmup)
            {
                result.Add(Ticks.ToMs(t1 - t0));
            }
        }

        DirectSpawner.Kill(sidecar);
        DirectSpawner.Kill(trigger);
        DirectSpawner.Kill(other);
        return result;
    }

    /// <summary>
    /// The floor of a restart-all storm: <paramref name="pods"/> groups of 3 <c>sleep</c>s; every trigger is signalled,
    /// then one thread reaps each trigger, kills and reaps the 2 others and spawns the 3 again.
    /// </summary>
    public static Samples Storm(int pods, int storms)
    {
        using var spawner = new DirectSpawner();
        var sleep = spawner.Prepare("sleep", "3600");
        var groups = Enumerable.Range(0, pods).Select(_ => new[] { spawner.Spawn(sleep), spawner.Spawn(sleep), spawner.Spawn(sleep) }).ToArray();
        var result = new Samples();
        for (var s = 0; s < storms; s++)
        {
            var t0 = Stopwatch.GetTimestamp();
            foreach (var group in groups)
            {
                Native.kill(group[0].Pid, Native.SIGUSR1);
            }

            foreach (var group in groups)
            {
                DirectSpawner.WaitExit(group[0]);
                Native.kill(group[1].Pid, Native.SIGTERM);
                Native.kill(group[2].Pid, Native.SIGTERM);
                DirectSpawner.WaitExit(group[1]);
                DirectSpawner.WaitExit(group[2]);
                for (var c = 0; c < 3; c++)
                {
                    group[c] = spawner.Spawn(sleep);
                }
            }

            result.Add(Ticks.ToMs(Stopwatch.GetTimestamp() - t0));
        }

        foreach (var process in groups.SelectMany(g => g))
        {
            DirectSpawner.Kill(process);
        }

        return result;
    }
}
