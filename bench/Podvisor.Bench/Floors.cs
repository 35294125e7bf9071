using System.Diagnostics;

namespace Podvisor.Bench;

/// <summary>
/// Same-run baselines without Podvisor (<see cref="DirectSpawner"/>), each the physical limit of the work a Podvisor
/// figure measures: the same argv, the same trigger (SIGUSR1 from the harness), the same kills and starts. They run on
/// the calling thread (one thread does everything: no hand-offs).
/// </summary>
internal static class Floors
{
    private const int Warmup = 10;

    /// <summary>
    /// The floor of exit_to_restart: SIGUSR1 to <c>sleep</c> -> reaped -> the next <c>sleep</c> spawned. One sample per
    /// call, so the suite can interleave floor and Podvisor samples and both see the same machine load.
    /// </summary>
    public sealed class Restart : IDisposable
    {
        private readonly DirectSpawner _spawner = new();
        private readonly DirectSpawner.Argv _sleep;
        private DirectProcess _process;

        public Restart()
        {
            _sleep = _spawner.Prepare("sleep", "3600");
            _process = _spawner.Spawn(_sleep);
            for (var i = 0; i < Warmup; i++)
            {
                Sample();
            }
        }

        public double Sample()
        {
            var t0 = Stopwatch.GetTimestamp();
            Native.kill(_process.Pid, Native.SIGUSR1);
            DirectSpawner.WaitExit(_process);
            _process = _spawner.Spawn(_sleep);
            return Ticks.ToMs(Stopwatch.GetTimestamp() - t0);
        }

        public void Dispose()
        {
            DirectSpawner.Kill(_process);
            _spawner.Dispose();
        }
    }

    /// <summary>
    /// The floor of a restart-all cycle of a pod with 1 init, 1 sidecar and 2 regular containers: the trigger exits and
    /// is reaped, the two other running processes are killed (SIGTERM) and reaped, then its 4 container starts in
    /// order: the init container (<c>true</c>) run to completion, the sidecar, the 2 regular containers.
    /// </summary>
    public sealed class Cycle : IDisposable
    {
        private readonly DirectSpawner _spawner = new();
        private readonly DirectSpawner.Argv _sleep;
        private readonly DirectSpawner.Argv _init;
        private DirectProcess _sidecar;
        private DirectProcess _trigger;
        private DirectProcess _other;

        public Cycle()
        {
            _sleep = _spawner.Prepare("sleep", "3600");
            _init = _spawner.Prepare("true");
            (_sidecar, _trigger, _other) = (_spawner.Spawn(_sleep), _spawner.Spawn(_sleep), _spawner.Spawn(_sleep));
            for (var i = 0; i < Warmup; i++)
            {
                Sample();
            }
        }

        public double Sample()
        {
            var t0 = Stopwatch.GetTimestamp();
            Native.kill(_trigger.Pid, Native.SIGUSR1);
            DirectSpawner.WaitExit(_trigger);
            Native.kill(_sidecar.Pid, Native.SIGTERM);
            Native.kill(_other.Pid, Native.SIGTERM);
            DirectSpawner.WaitExit(_sidecar);
            DirectSpawner.WaitExit(_other);
            DirectSpawner.WaitExit(_spawner.Spawn(_init));
            (_sidecar, _trigger, _other) = (_spawner.Spawn(_sleep), _spawner.Spawn(_sleep), _spawner.Spawn(_sleep));
            return Ticks.ToMs(Stopwatch.GetTimestamp() - t0);
        }

        public void Dispose()
        {
            DirectSpawner.Kill(_sidecar);
            DirectSpawner.Kill(_trigger);
            DirectSpawner.Kill(_other);
            _spawner.Dispose();
        }
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
