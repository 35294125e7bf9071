using Microsoft.Extensions.Time.Testing;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Core.Tests.Support;

namespace Podvisor.Core.Tests.Lifecycle;

/// <summary>docs/lifecycle.md §9 doBackOff folded into the plan, driven through the planner with an executor stand-in.</summary>
public class PodPlannerBackoffTests
{
    [Fact]
    public void CL_01_CrashingContainer_FirstRestartImmediateThenWaits10_20_40_80_160_300_300()
    {
        var crashLoop = new CrashLoop(new PodBuilder().Always().Container("app").Build(), new CrashLoopBackoff());
        Assert.Equal(TimeSpan.Zero, crashLoop.CrashAndWait());
        Assert.Equal([10, 20, 40, 80, 160, 300, 300], Enumerable.Range(0, 7).Select(_ => crashLoop.CrashAndWait().TotalSeconds));
        Assert.Equal(
            [
                "back-off 10s restarting failed container=app pod=p_ns(uid)",
                "back-off 20s restarting failed container=app pod=p_ns(uid)",
                "back-off 40s restarting failed container=app pod=p_ns(uid)",
                "back-off 1m20s restarting failed container=app pod=p_ns(uid)",
                "back-off 2m40s restarting failed container=app pod=p_ns(uid)",
                "back-off 5m0s restarting failed container=app pod=p_ns(uid)",
                "back-off 5m0s restarting failed container=app pod=p_ns(uid)",
            ],
            crashLoop.Messages);
    }

    [Fact]
    public void CL_01_ARunLongerThanTenMinutes_RestartsImmediatelyAndResetsToTenSeconds()
    {
        var crashLoop = new CrashLoop(new PodBuilder().Always().Container("app").Build(), new CrashLoopBackoff());
        for (var i = 0; i < 5; i++)
        {
            crashLoop.CrashAndWait();
        }

        Assert.Equal(TimeSpan.Zero, crashLoop.CrashAndWait(runFor: TimeSpan.FromMinutes(11)));
        Assert.Equal(TimeSpan.FromSeconds(10), crashLoop.CrashAndWait());
    }

    [Theory]
    [InlineData(30, new[] { 10, 20, 30, 30 })]
    [InlineData(5, new[] { 5, 5, 5 })]
    public void CL_01_ConfiguredMax_CapsTheWait(int maxSeconds, int[] waits)
    {
        var crashLoop = new CrashLoop(new PodBuilder().Always().Container("app").Build(), new CrashLoopBackoff(TimeSpan.FromSeconds(maxSeconds)));
        crashLoop.CrashAndWait();
        Assert.Equal(waits.Select(w => (double)w), waits.Select(_ => crashLoop.CrashAndWait().TotalSeconds));
    }

    [Fact]
    public void CR_01_RuleRestartsFollowTheSameBackoff()
    {
        var pod = new PodBuilder().Never().Container("main-container", "Never", Containers.Restart("In", 42)).Build();
        var crashLoop = new CrashLoop(pod, new CrashLoopBackoff(), exitCode: 42);
        Assert.Equal(TimeSpan.Zero, crashLoop.CrashAndWait());
        Assert.Equal(TimeSpan.FromSeconds(10), crashLoop.CrashAndWait());
    }

    [Fact]
    public void ContainerInBackoff_IsNotStarted_AndNextSyncAtIsTheEarliestRetry()
    {
        var pod = new PodBuilder().Always().Container("a").Container("b").Container("c").Build();
        var backoff = new CrashLoopBackoff();
        var finishedA = Plans.Now.AddSeconds(-5);
        var finishedB = Plans.Now.AddSeconds(-8);
        backoff.Next(CrashLoopBackoff.Key(pod, pod.Spec.Containers[0]), finishedA, finishedA);
        backoff.Next(CrashLoopBackoff.Key(pod, pod.Spec.Containers[1]), finishedB, finishedB);
        var runtime = new RuntimeBuilder(pod).Exited("a", 1, finishedA).Exited("b", 1, finishedB).Exited("c", 1, Plans.Now).Build();

        var plan = Plans.Compute(pod, runtime, backoff: backoff);

        Assert.Equal(["c"], plan.ContainersToStart.Names());
        Assert.Equal(Plans.Now, plan.ContainersToStart[0].LastFinishedAt);
        Assert.Equal(
            [
                new ContainerBackOff("a", finishedA.AddSeconds(10), "back-off 10s restarting failed container=a pod=p_ns(uid)"),
                new ContainerBackOff("b", finishedB.AddSeconds(10), "back-off 10s restarting failed container=b pod=p_ns(uid)"),
            ],
            [.. plan.BackOffs]);
        Assert.Equal(finishedB.AddSeconds(10), plan.NextSyncAt);
        Assert.False(plan.KillPod); // backed-off containers still count as "to start" for the KillPod rule
    }

    [Fact]
    public void AllContainersInBackoff_PlanIsEmptyButHasANextSync()
    {
        var pod = new PodBuilder().Always().Container("a").Build();
        var backoff = new CrashLoopBackoff();
        backoff.Next(CrashLoopBackoff.Key(pod, pod.Spec.Containers[0]), Plans.Now, Plans.Now);
        var plan = Plans.Compute(pod, new RuntimeBuilder(pod).Exited("a", 1, Plans.Now).Build(), backoff: backoff);
        Assert.True(plan.IsEmpty);
        Assert.Equal(Plans.Now.AddSeconds(10), plan.NextSyncAt);
    }

    [Fact]
    public void TheFirstExitedInstanceDecides_NotTheNewestInstance()
    {
        var pod = new PodBuilder().Always().Container("a").Build();
        var backoff = new CrashLoopBackoff();
        var finished = Plans.Now.AddSeconds(-1);
        backoff.Next(CrashLoopBackoff.Key(pod, pod.Spec.Containers[0]), finished, finished);
        var plan = Plans.Compute(pod, new RuntimeBuilder(pod).Exited("a", 1, finished).Created("a").Build(), backoff: backoff);
        Assert.Empty(plan.ContainersToStart);
        Assert.Equal("a", Assert.Single(plan.BackOffs).Name);
    }

    [Fact]
    public void RegularInitContainerInBackoff_StopsLaterInitStarts()
    {
        // a is a finished sidecar-less chain: regular init "a" failed and backs off; nothing else may start this sync.
        var pod = new PodBuilder().Always().Init("a").Container("c").Build();
        var backoff = BackoffFor(pod, "a");
        var plan = Plans.Compute(pod, new RuntimeBuilder(pod).Exited("a", 1, Plans.Now).Build(), backoff: backoff);
        Assert.Empty(plan.InitContainersToStart);
        Assert.Equal("a", Assert.Single(plan.BackOffs).Name);
        Assert.NotNull(plan.NextSyncAt);
    }

    [Fact]
    public void SidecarInBackoff_IsSkippedButLaterStartsGoAhead()
    {
        var pod = new PodBuilder().Always().Sidecar("s1").Sidecar("s2").Init("i").Container("c").Build();
        var backoff = BackoffFor(pod, "s1");
        var runtime = new RuntimeBuilder(pod).Running("s1").Running("s2").Exited("s1", 1, Plans.Now).Build();
        var plan = Plans.Compute(pod, runtime, backoff: backoff);
        Assert.Equal(["i"], plan.InitContainersToStart.Names());
        Assert.Equal("s1", Assert.Single(plan.BackOffs).Name);
    }

    [Fact]
    public void NonRestartableInitInBackoffAfterSandboxRecreation_AlsoHoldsBackRegularStarts()
    {
        var pod = new PodBuilder().Always().Init("a").Container("c").Build();
        var backoff = BackoffFor(pod, "a");
        var runtime = new RuntimeBuilder(pod).NoSandbox().Sandbox(ready: false).Exited("a", 1, Plans.Now).Build();
        var plan = Plans.Compute(pod, runtime, backoff: backoff);
        Assert.True(plan.CreateSandbox);
        Assert.Empty(plan.InitContainersToStart);
        Assert.Empty(plan.ContainersToStart);
        Assert.Single(plan.BackOffs);
    }

    [Fact]
    public void SpecChange_ResetsTheBackoffThroughTheKey()
    {
        var pod = new PodBuilder().Always().Container("a").Build();
        var backoff = BackoffFor(pod, "a");
        pod.Spec.Containers[0].Args = ["changed"];
        var plan = Plans.Compute(pod, new RuntimeBuilder(pod).Exited("a", 1, Plans.Now).Build(), backoff: backoff);
        Assert.Equal(["a"], plan.ContainersToStart.Names());
    }

    [Fact]
    public void PlannerNeverAdvancesTheBackoff()
    {
        var pod = new PodBuilder().Always().Container("a").Build();
        var backoff = new CrashLoopBackoff();
        Plans.Compute(pod, new RuntimeBuilder(pod).Exited("a", 1, Plans.Now).Build(), backoff: backoff);
        Assert.Equal(TimeSpan.Zero, backoff.Get(CrashLoopBackoff.Key(pod, pod.Spec.Containers[0])));
    }

    private static CrashLoopBackoff BackoffFor(k8s.Models.V1Pod pod, string name)
    {
        var backoff = new CrashLoopBackoff();
        backoff.Next(CrashLoopBackoff.Key(pod, pod.Spec.FindContainer(name)!), Plans.Now, Plans.Now);
        return backoff;
    }

    /// <summary>
    /// A container that exits as soon as it starts, with the planner deciding each restart and a stand-in executor
    /// calling <see cref="CrashLoopBackoff.Next"/> on every start (kubelet doBackOff step 4).
    /// </summary>
    private sealed class CrashLoop(k8s.Models.V1Pod pod, CrashLoopBackoff backoff, int exitCode = 1)
    {
        private readonly FakeTimeProvider _clock = new(RuntimeBuilder.T0.AddDays(1));
        private readonly RuntimeBuilder _runtime = new(pod);

        public List<string> Messages { get; } = [];

        /// <summary>The container runs for <paramref name="runFor"/>, crashes, and is started again; returns the wait.</summary>
        public TimeSpan CrashAndWait(TimeSpan runFor = default)
        {
            _clock.Advance(runFor);
            var finishedAt = _clock.GetUtcNow();
            _runtime.Exited(pod.Spec.Containers[0].Name, exitCode, finishedAt);
            var plan = Plan();
            if (plan.ContainersToStart.IsEmpty)
            {
                var backOff = Assert.Single(plan.BackOffs);
                Messages.Add(backOff.Message);
                Assert.Equal(backOff.RetryAt, plan.NextSyncAt);
                _clock.SetUtcNow(backOff.RetryAt);
                plan = Plan();
            }

            var start = Assert.Single(plan.ContainersToStart);
            Assert.Equal(finishedAt, start.LastFinishedAt);
            backoff.Next(CrashLoopBackoff.Key(pod, pod.Spec.Containers[0]), start.LastFinishedAt!.Value, _clock.GetUtcNow());
            return _clock.GetUtcNow() - finishedAt;
        }

        private PodPlan Plan() => Plans.Compute(pod, _runtime.Build(), backoff: backoff, now: _clock.GetUtcNow());
    }
}
