using Microsoft.Extensions.Time.Testing;
using Podvisor.Agent.Probes;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using static Podvisor.Agent.Tests.Probes.Kit;

namespace Podvisor.Agent.Tests.Probes;

/// <summary>Scheduling: one TimeProvider timer per worker, no threads, first-probe jitter only after an agent start.</summary>
public sealed class ProbeSchedulingTests
{
    /// <summary>Counts timers created through the provider; everything else is the fake clock.</summary>
    private sealed class CountingTimeProvider(FakeTimeProvider inner) : TimeProvider
    {
        public int TimersCreated;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref TimersCreated);
            return inner.CreateTimer(callback, state, dueTime, period);
        }
    }

    [Fact]
    public void ThousandPodsWithThreeProbes_OneTimerPerWorker_AllOnTheCallersThread()
    {
        var fake = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var time = new CountingTimeProvider(fake);
        var executor = new ScriptedExecutor(time);
        var sink = new RecordingSink();
        using var manager = new ProbeManager(time, executor, sink, () => 0);
        var start = fake.GetUtcNow();
        for (var i = 0; i < 1000; i++)
        {
            var pod = PodWith([Container("c", liveness: Probe(period: 10), readiness: Probe(period: 10), startup: Probe(period: 10))], [], uid: $"uid-{i}");
            manager.SyncPod(pod, RuntimeOf($"uid-{i}", Running($"c{i}", "c", start)));
        }

        Assert.Equal(3000, manager.WorkerCount);
        Assert.Equal(3000, time.TimersCreated);
        for (var s = 0; s < 60; s += 10)
        {
            fake.Advance(TimeSpan.FromSeconds(10));
        }

        // Startup succeeded at once and stopped; liveness and readiness then ran at 0, 10, ..., 60 s.
        Assert.Equal(1000, executor.Calls.Count(c => c.Type == ProbeType.Startup));
        Assert.Equal(7000, executor.Calls.Count(c => c.Type == ProbeType.Liveness));
        Assert.Equal(7000, executor.Calls.Count(c => c.Type == ProbeType.Readiness));
        Assert.Equal(3000, time.TimersCreated);
        Assert.All(executor.Calls, c => Assert.Equal(Environment.CurrentManagedThreadId, c.Thread));
    }

    [Fact]
    public void FirstProbeJitter_OnlyWhileTheAgentStartedLessThanAPeriodAgo()
    {
        using var h = new ProbeHarness(jitter: 0.5);
        var pod = Pod(Container("a", liveness: Probe(period: 10)));
        h.Manager.SyncPod(pod, RuntimeOf("uid-1", Running("a1", "a", h.Now)));
        h.Advance(12);
        var late = PodWith([Container("b", liveness: Probe(period: 10))], [], uid: "uid-2");
        h.Manager.SyncPod(late, RuntimeOf("uid-2", Running("b1", "b", h.Now)));
        h.Advance(1);

        Assert.Equal([5.0], h.Executor.SecondsOf("a", ProbeType.Liveness, h.Start));
        Assert.Equal([12.0], h.Executor.SecondsOf("b", ProbeType.Liveness, h.Start));
    }

    [Fact]
    public void Reconcile_IsIdempotent_NoExtraTimersOrProbes()
    {
        using var h = new ProbeHarness();
        var pod = Pod(Container("c", liveness: Probe(), readiness: Probe()));
        var runtime = RuntimeOf("uid-1", Running("c1", "c", h.Now));
        for (var i = 0; i < 5; i++)
        {
            h.Manager.SyncPod(pod, runtime);
        }

        Assert.Equal(2, h.Manager.WorkerCount);
        Assert.Equal(1, h.Executor.CallsFor("c", ProbeType.Liveness));
        Assert.Equal(1, h.Executor.CallsFor("c", ProbeType.Readiness));
    }

    [Fact]
    public void CreatedButNotRunningInstance_HasNoWorker()
    {
        using var h = new ProbeHarness();
        var created = Running("c1", "c", h.Now) with { State = RuntimeContainerState.Created, StartedAt = null };
        h.Manager.SyncPod(Pod(Container("c", liveness: Probe())), RuntimeOf("uid-1", created));

        Assert.Equal(0, h.Manager.WorkerCount);
        Assert.Equal(ProbeResult.Unknown, h.Manager.Get(ProbeType.Liveness, "c1"));
    }

    /// <summary>A wall clock that can jump back while the timers (the fake clock) keep their monotonic course.</summary>
    private sealed class ShiftedTimeProvider(FakeTimeProvider inner) : TimeProvider
    {
        public TimeSpan Shift { get; set; }

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + Shift;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            inner.CreateTimer(callback, state, dueTime, period);
    }

    [Fact]
    public void WallClockJumpingBack_DoesNotStallProbes()
    {
        var fake = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var time = new ShiftedTimeProvider(fake);
        var executor = new ScriptedExecutor(time);
        using var manager = new ProbeManager(time, executor, new RecordingSink(), () => 0);
        manager.SyncPod(Pod(Container("c", liveness: Probe(period: 10))), RuntimeOf("uid-1", Running("c1", "c", time.GetUtcNow())));
        time.Shift = -TimeSpan.FromHours(1);
        fake.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(2, executor.CallsFor("c", ProbeType.Liveness));
    }
}
