using k8s.Models;
using Podvisor.Agent.Probes;
using Podvisor.Core.Lifecycle;
using static Podvisor.Agent.Tests.Probes.Kit;

namespace Podvisor.Agent.Tests.Probes;

/// <summary>Every worker.go state transition, driven by a fake clock and a scripted executor through ProbeManager.</summary>
public sealed class ProbeWorkerTests : IDisposable
{
    private readonly ProbeHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public void InitialResults_ReadinessFailure_LivenessSuccess_StartupUnknown_WithoutWakeUp()
    {
        _h.Executor.Pending = (_, _) => new TaskCompletionSource<ProbeOutcome>().Task; // nothing completes
        var pod = Pod(Container("c", liveness: Probe(), readiness: Probe(), startup: Probe()));
        _h.Manager.SyncPod(pod, RuntimeOf("uid-1", Running("c1", "c", _h.Now)));

        Assert.Equal(ProbeResult.Failure, _h.Manager.Get(ProbeType.Readiness, "c1"));
        Assert.Equal(ProbeResult.Success, _h.Manager.Get(ProbeType.Liveness, "c1"));
        Assert.Equal(ProbeResult.Unknown, _h.Manager.Get(ProbeType.Startup, "c1"));
        Assert.Empty(_h.Sink.Changes);
        Assert.Equal(3, _h.Manager.WorkerCount);
    }

    [Fact]
    public void CL_11_Readiness_StartsFailure_ThenSuccessAfterFirstProbe_WakesPodWorker()
    {
        var pod = Pod(Container("c", readiness: Probe()));
        _h.Manager.SyncPod(pod, RuntimeOf("uid-1", Running("c1", "c", _h.Now)));

        Assert.Equal([0.0], _h.Executor.SecondsOf("c", ProbeType.Readiness, _h.Start));
        Assert.Equal(ProbeResult.Success, _h.Manager.Get(ProbeType.Readiness, "c1"));
        Assert.Equal(["uid-1"], _h.Sink.Changes);
    }

    [Fact]
    public void Period_ProbesEveryPeriodSeconds()
    {
        _h.Manager.SyncPod(Pod(Container("c", liveness: Probe(period: 10))), RuntimeOf("uid-1", Running("c1", "c", _h.Now)));
        _h.Advance(35);

        Assert.Equal([0.0, 10, 20, 30], _h.Executor.SecondsOf("c", ProbeType.Liveness, _h.Start));
    }

    [Fact]
    public void InitialDelay_IsMeasuredFromStartedAt()
    {
        var startedAt = _h.Now - TimeSpan.FromSeconds(3);
        _h.Manager.SyncPod(Pod(Container("c", liveness: Probe(period: 10, delay: 5))), RuntimeOf("uid-1", Running("c1", "c", startedAt)));
        _h.Advance(1);
        Assert.Empty(_h.Executor.Calls);

        _h.Advance(21);
        Assert.Equal([2.0, 12, 22], _h.Executor.SecondsOf("c", ProbeType.Liveness, _h.Start));
    }

    [Fact]
    public void InitialDelay_AlreadyOver_ProbesAtOnce()
    {
        var startedAt = _h.Now - TimeSpan.FromSeconds(30);
        _h.Manager.SyncPod(Pod(Container("c", liveness: Probe(delay: 5))), RuntimeOf("uid-1", Running("c1", "c", startedAt)));

        Assert.Equal([0.0], _h.Executor.SecondsOf("c", ProbeType.Liveness, _h.Start));
    }

    [Fact]
    public void CR_11_LivenessFailure_PublishedOnceAtThreshold_ThenOnHoldUntilNewContainer()
    {
        _h.Executor.Default = ProbeOutcome.Failure("boom");
        _h.Manager.SyncPod(Pod(Container("c", liveness: Probe(failure: 3))), RuntimeOf("uid-1", Running("c1", "c", _h.Now)));
        _h.Advance(10);
        Assert.Equal(ProbeResult.Success, _h.Manager.Get(ProbeType.Liveness, "c1"));
        Assert.Empty(_h.Sink.Changes);

        _h.Advance(10);
        Assert.Equal(ProbeResult.Failure, _h.Manager.Get(ProbeType.Liveness, "c1"));
        Assert.Equal(["uid-1"], _h.Sink.Changes);

        _h.Advance(60);
        Assert.Equal(3, _h.Executor.CallsFor("c", ProbeType.Liveness));
        Assert.All(_h.Sink.Unhealthy, u => Assert.Equal("Liveness probe failed: boom", u.Message));
        Assert.Equal(3, _h.Sink.Unhealthy.Count);
    }

    [Fact]
    public void NewContainerInstance_StartsOver_OldResultsForgotten()
    {
        _h.Executor.Default = ProbeOutcome.Failure("");
        var pod = Pod(Container("c", liveness: Probe(failure: 1)));
        var first = Running("c1", "c", _h.Now);
        _h.Manager.SyncPod(pod, RuntimeOf("uid-1", first));
        Assert.Equal(ProbeResult.Failure, _h.Manager.Get(ProbeType.Liveness, "c1"));

        _h.Advance(5);
        _h.Executor.Default = ProbeOutcome.Success();
        _h.Manager.SyncPod(pod, RuntimeOf("uid-1", Exited(first), Running("c2", "c", _h.Now)));

        Assert.Equal(ProbeResult.Unknown, _h.Manager.Get(ProbeType.Liveness, "c1"));
        Assert.Equal(ProbeResult.Success, _h.Manager.Get(ProbeType.Liveness, "c2"));
        Assert.Equal(["c1", "c2"], _h.Executor.Calls.Select(c => c.ContainerId));
        Assert.Equal(1, _h.Manager.WorkerCount);
    }

    [Fact]
    public void SuccessThreshold_ReadinessNeedsConsecutiveSuccesses()
    {
        _h.Executor.Script("c", ProbeType.Readiness, ProbeOutcome.Success(), ProbeOutcome.Failure("x"), ProbeOutcome.Success(), ProbeOutcome.Success());
        _h.Manager.SyncPod(Pod(Container("c", readiness: Probe(success: 2, failure: 3))), RuntimeOf("uid-1", Running("c1", "c", _h.Now)));
        var seen = new List<ProbeResult> { _h.Manager.Get(ProbeType.Readiness, "c1") };
        for (var i = 0; i < 3; i++)
        {
            _h.Advance(10);
            seen.Add(_h.Manager.Get(ProbeType.Readiness, "c1"));
        }

        Assert.Equal([ProbeResult.Failure, ProbeResult.Failure, ProbeResult.Failure, ProbeResult.Success], seen);
    }

    [Fact]
    public void FailureThreshold_ReadinessFlipsBackAndKeepsProbing()
    {
        _h.Executor.Script("c", ProbeType.Readiness, ProbeOutcome.Success(), ProbeOutcome.Failure("a"), ProbeOutcome.Success(),
            ProbeOutcome.Failure("b"), ProbeOutcome.Failure("c"), ProbeOutcome.Success());
        _h.Manager.SyncPod(Pod(Container("c", readiness: Probe(failure: 2))), RuntimeOf("uid-1", Running("c1", "c", _h.Now)));
        var seen = new List<ProbeResult> { _h.Manager.Get(ProbeType.Readiness, "c1") };
        for (var i = 0; i < 5; i++)
        {
            _h.Advance(10);
            seen.Add(_h.Manager.Get(ProbeType.Readiness, "c1"));
        }

        Assert.Equal([ProbeResult.Success, ProbeResult.Success, ProbeResult.Success, ProbeResult.Success, ProbeResult.Failure, ProbeResult.Success], seen);
        Assert.Equal(["uid-1", "uid-1", "uid-1"], _h.Sink.Changes);
    }

    [Fact]
    public void Startup_GatesLivenessAndReadiness_ThenStopsAfterSuccess()
    {
        _h.Executor.Script("c", ProbeType.Startup, ProbeOutcome.Failure("not yet"), ProbeOutcome.Failure("not yet"), ProbeOutcome.Success());
        var pod = Pod(Container("c", liveness: Probe(period: 10), readiness: Probe(period: 10), startup: Probe(period: 5, failure: 5)));
        var runtime = RuntimeOf("uid-1", Running("c1", "c", _h.Now));
        _h.Manager.SyncPod(pod, runtime);
        _h.Advance(9);
        Assert.Equal(0, _h.Executor.CallsFor("c", ProbeType.Liveness) + _h.Executor.CallsFor("c", ProbeType.Readiness));
        Assert.Equal(ProbeResult.Unknown, _h.Manager.Get(ProbeType.Startup, "c1"));

        _h.Advance(1); // third startup attempt at 10 s succeeds
        Assert.Equal(ProbeResult.Success, _h.Manager.Get(ProbeType.Startup, "c1"));
        Assert.Equal(["uid-1"], _h.Sink.Changes);

        _h.Manager.SyncPod(pod, runtime); // the pod worker's sync after the wake-up
        _h.Advance(30);
        Assert.Equal([0.0, 5, 10], _h.Executor.SecondsOf("c", ProbeType.Startup, _h.Start));
        Assert.Equal([10.0, 20, 30, 40], _h.Executor.SecondsOf("c", ProbeType.Readiness, _h.Start));
        Assert.Equal([20.0, 30, 40], _h.Executor.SecondsOf("c", ProbeType.Liveness, _h.Start));
    }

    [Fact]
    public void StartupFailure_AtThreshold_PublishedAndOnHold()
    {
        _h.Executor.Default = ProbeOutcome.Failure("still starting");
        _h.Manager.SyncPod(Pod(Container("c", liveness: Probe(), startup: Probe(period: 1, failure: 3))), RuntimeOf("uid-1", Running("c1", "c", _h.Now)));
        _h.Advance(10);

        Assert.Equal(ProbeResult.Failure, _h.Manager.Get(ProbeType.Startup, "c1"));
        Assert.Equal(3, _h.Executor.CallsFor("c", ProbeType.Startup));
        Assert.Equal(0, _h.Executor.CallsFor("c", ProbeType.Liveness));
        Assert.Equal("Startup probe failed: still starting", _h.Sink.Unhealthy[^1].Message);
    }

    [Fact]
    public void CL_04_SidecarStartupProbe_StartedOnlyAfterSuccess_RegularInitNotProbed()
    {
        _h.Executor.Script("s", ProbeType.Startup, ProbeOutcome.Failure(""), ProbeOutcome.Success());
        var sidecar = Container("s", startup: Probe(period: 5), restartPolicy: "Always");
        var init = Container("i", startup: Probe(period: 5));
        var pod = PodWith([Container("c")], [sidecar, init]);
        _h.Manager.SyncPod(pod, RuntimeOf("uid-1", Running("s1", "s", _h.Now), Running("i1", "i", _h.Now)));

        Assert.NotEqual(ProbeResult.Success, _h.Manager.Get(ProbeType.Startup, "s1"));
        _h.Advance(5);
        Assert.Equal(ProbeResult.Success, _h.Manager.Get(ProbeType.Startup, "s1"));
        Assert.Equal(0, _h.Executor.CallsFor("i", ProbeType.Startup));
        Assert.Equal(1, _h.Manager.WorkerCount);
    }

    [Fact]
    public void ExitedInstance_WorkerStops_ResultsBecomeFailure()
    {
        var pod = Pod(Container("c", readiness: Probe()));
        var instance = Running("c1", "c", _h.Now);
        _h.Manager.SyncPod(pod, RuntimeOf("uid-1", instance));
        Assert.Equal(ProbeResult.Success, _h.Manager.Get(ProbeType.Readiness, "c1"));

        _h.Manager.SyncPod(pod, RuntimeOf("uid-1", Exited(instance)));
        _h.Advance(30);

        Assert.Equal(ProbeResult.Failure, _h.Manager.Get(ProbeType.Readiness, "c1"));
        Assert.Equal(0, _h.Manager.WorkerCount);
        Assert.Equal(1, _h.Executor.CallsFor("c", ProbeType.Readiness));
    }

    [Fact]
    public void Deletion_LivenessAndStartupReportSuccessAndStop_ReadinessContinues()
    {
        _h.Executor.Script("c", ProbeType.Startup, ProbeOutcome.Failure(""));
        var pod = Pod(Container("c", liveness: Probe(), readiness: Probe(), startup: Probe()));
        var runtime = RuntimeOf("uid-1", Running("c1", "c", _h.Now));
        _h.Manager.SyncPod(pod, runtime);
        pod.Metadata.DeletionTimestamp = _h.Now.UtcDateTime;
        _h.Manager.SyncPod(pod, runtime);
        _h.Advance(20);

        Assert.Equal(ProbeResult.Success, _h.Manager.Get(ProbeType.Startup, "c1"));
        Assert.Equal(ProbeResult.Success, _h.Manager.Get(ProbeType.Liveness, "c1"));
        Assert.Equal(1, _h.Executor.CallsFor("c", ProbeType.Startup));
        Assert.Equal(0, _h.Executor.CallsFor("c", ProbeType.Liveness));
        Assert.True(_h.Executor.CallsFor("c", ProbeType.Readiness) >= 2);
        Assert.Equal(1, _h.Manager.WorkerCount);
    }

    [Fact]
    public void TerminalPhase_RemovesWorkersAndResults()
    {
        var pod = Pod(Container("c", liveness: Probe(), readiness: Probe()));
        var runtime = RuntimeOf("uid-1", Running("c1", "c", _h.Now));
        _h.Manager.SyncPod(pod, runtime);
        pod.Status = new V1PodStatus { Phase = "Failed" };
        _h.Manager.SyncPod(pod, runtime);
        _h.Advance(30);

        Assert.Equal(0, _h.Manager.WorkerCount);
        Assert.Equal(ProbeResult.Unknown, _h.Manager.Get(ProbeType.Readiness, "c1"));
        Assert.Equal(2, _h.Executor.Calls.Count);
    }

    [Fact]
    public void Errors_AreRetriedThreeTimes_ThenThrownAwayWithoutCounting()
    {
        _h.Executor.Script("c", ProbeType.Liveness, ProbeOutcome.Error("e1"), ProbeOutcome.Error("e2"), ProbeOutcome.Error("e3"),
            ProbeOutcome.Error("e4"), ProbeOutcome.Failure("f"));
        _h.Manager.SyncPod(Pod(Container("c", liveness: Probe(failure: 2))), RuntimeOf("uid-1", Running("c1", "c", _h.Now)));
        Assert.Equal(3, _h.Executor.CallsFor("c", ProbeType.Liveness));
        Assert.Equal("Liveness probe errored: e3", Assert.Single(_h.Sink.Unhealthy).Message);

        _h.Advance(10); // e4 then f: one failure counted, below the threshold of 2
        Assert.Equal(5, _h.Executor.CallsFor("c", ProbeType.Liveness));
        Assert.Equal(ProbeResult.Success, _h.Manager.Get(ProbeType.Liveness, "c1"));
        Assert.Equal("Liveness probe failed: f", _h.Sink.Unhealthy[^1].Message);
    }

    [Fact]
    public void Warning_CountsAsSuccess_AndRecordsProbeWarning()
    {
        _h.Executor.Default = ProbeOutcome.Warning("Probe terminated redirects, Response body: moved");
        _h.Manager.SyncPod(Pod(Container("c", readiness: Probe())), RuntimeOf("uid-1", Running("c1", "c", _h.Now)));

        Assert.Equal(ProbeResult.Success, _h.Manager.Get(ProbeType.Readiness, "c1"));
        Assert.Equal("Readiness probe warning: Probe terminated redirects, Response body: moved", Assert.Single(_h.Sink.Warnings).Message);
        Assert.Empty(_h.Sink.Unhealthy);
    }

    [Fact]
    public void ManualReadinessTrigger_OnSyncWhileNotReady_ResetsThePeriod()
    {
        _h.Executor.Default = ProbeOutcome.Failure("no");
        var pod = Pod(Container("c", readiness: Probe(period: 10)));
        var runtime = RuntimeOf("uid-1", Running("c1", "c", _h.Now));
        _h.Manager.SyncPod(pod, runtime);
        _h.Advance(3);
        _h.Manager.SyncPod(pod, runtime);
        _h.Advance(10);

        Assert.Equal([0.0, 3, 13], _h.Executor.SecondsOf("c", ProbeType.Readiness, _h.Start));
    }

    [Fact]
    public void ManualReadinessTrigger_NotDuringInitialDelay_NorWhenReady()
    {
        var pod = Pod(Container("c", readiness: Probe(period: 10, delay: 5)));
        var runtime = RuntimeOf("uid-1", Running("c1", "c", _h.Now));
        _h.Manager.SyncPod(pod, runtime);
        _h.Advance(2);
        _h.Manager.SyncPod(pod, runtime); // inside the initial delay: no trigger
        _h.Advance(4);
        _h.Manager.SyncPod(pod, runtime); // ready: no trigger

        Assert.Equal([5.0], _h.Executor.SecondsOf("c", ProbeType.Readiness, _h.Start));
    }

    [Fact]
    public void SlowAttempt_NeverOverlaps_LateTickRunsOnCompletion()
    {
        var pending = new TaskCompletionSource<ProbeOutcome>();
        _h.Executor.Pending = (_, _) => pending.Task;
        _h.Manager.SyncPod(Pod(Container("c", liveness: Probe(period: 10))), RuntimeOf("uid-1", Running("c1", "c", _h.Now)));
        _h.Advance(25);
        Assert.Single(_h.Executor.Calls);

        _h.Executor.Pending = null;
        pending.SetResult(ProbeOutcome.Success());
        _h.Advance(5);

        Assert.Equal([0.0, 25, 30], _h.Executor.SecondsOf("c", ProbeType.Liveness, _h.Start));
    }

    [Fact]
    public void StoppingAWorker_CancelsItsAttemptInFlight_AndDropsTheResult()
    {
        var token = CancellationToken.None;
        var pending = new TaskCompletionSource<ProbeOutcome>();
        _h.Executor.Pending = (_, ct) => { token = ct; return pending.Task; };
        var pod = Pod(Container("c", liveness: Probe(failure: 1)));
        var instance = Running("c1", "c", _h.Now);
        _h.Manager.SyncPod(pod, RuntimeOf("uid-1", instance));
        _h.Manager.RemovePod("uid-1");
        pending.SetResult(ProbeOutcome.Failure("late"));

        Assert.True(token.IsCancellationRequested);
        Assert.Equal(ProbeResult.Unknown, _h.Manager.Get(ProbeType.Liveness, "c1"));
        Assert.Empty(_h.Sink.Unhealthy);
    }

    [Fact]
    public void ExecutorException_IsAnError_NotACrash()
    {
        _h.Executor.Pending = (_, _) => throw new InvalidOperationException("bug");
        _h.Manager.SyncPod(Pod(Container("c", liveness: Probe())), RuntimeOf("uid-1", Running("c1", "c", _h.Now)));

        Assert.Equal("Liveness probe errored: bug", Assert.Single(_h.Sink.Unhealthy).Message);
        Assert.Equal(ProbeResult.Success, _h.Manager.Get(ProbeType.Liveness, "c1"));
    }

    [Fact]
    public void ProbeContext_CarriesPodIpAndRuntimeContainerId()
    {
        ProbeContext? seen = null;
        _h.Executor.Pending = (ctx, _) => { seen = ctx; return Task.FromResult(ProbeOutcome.Success()); };
        _h.Manager.SyncPod(Pod(Container("c", liveness: Probe())), RuntimeOf("uid-1", Running("c1", "c", _h.Now)));

        Assert.Equal(("c1", "10.88.0.5", "c"), (seen!.ContainerId, seen.PodIp, seen.Container.Name));
    }
}
