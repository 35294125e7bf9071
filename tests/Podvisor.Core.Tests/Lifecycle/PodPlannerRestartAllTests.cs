using Podvisor.Core;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Core.Tests.Support;

namespace Podvisor.Core.Tests.Lifecycle;

/// <summary>docs/lifecycle.md §6.3, §6.4, §6.8, §D7-§D9: the RestartAllContainers branch of the planner.</summary>
public class PodPlannerRestartAllTests
{
    private static readonly FeatureGates RestartAllOff = new(RestartAllContainersOnContainerExits: false);

    [Fact]
    public void RS_09_RemovalOrder_RunningTargetFirstThenInitTargetsLastFirstThenTheSource()
    {
        var pod = new PodBuilder().Never()
            .Init("init-1").Init("init-2").Sidecar("restartable-init-3", Containers.RestartAll("In", 42))
            .Container("foo1").Build();
        var runtime = new RuntimeBuilder(pod).Exited("init-1").Exited("init-2").Running("foo1").Exited("restartable-init-3", 42).Build();

        var plan = Plans.Compute(pod, runtime);

        Assert.Equal(
            [
                new ContainerToRemove("foo1-1", "foo1", Kill: true, IsSource: false),
                new ContainerToRemove("init-2-1", "init-2", Kill: false, IsSource: false),
                new ContainerToRemove("init-1-1", "init-1", Kill: false, IsSource: false),
                new ContainerToRemove("restartable-init-3-1", "restartable-init-3", Kill: false, IsSource: true),
            ],
            [.. plan.ContainersToRemove]);
        AssertCleanupOnly(plan);
    }

    [Fact]
    public void RS_09_FullOrder_RegularTargetsInitTargetsRegularSourcesInitSources()
    {
        var pod = new PodBuilder().Never()
            .Init("i1", "Never", Containers.RestartAll("In", 9)).Init("i2").Sidecar("s3")
            .Container("c1").Container("c2", "Never", Containers.RestartAll("In", 9)).Container("c3").Build();
        var runtime = new RuntimeBuilder(pod).Exited("i1", 9).Exited("i2").Running("s3").Running("c1").Exited("c2", 9).Unknown("c3").Build();

        var plan = Plans.Compute(pod, runtime, api: ApiStatuses.Restarting());

        Assert.Equal(["c3", "c1", "s3", "i2", "c2", "i1"], plan.ContainersToRemove.Names());
        Assert.Equal([true, true, true, false, false, false], plan.ContainersToRemove.Select(r => r.Kill));
        Assert.Equal([false, false, false, false, true, true], plan.ContainersToRemove.Select(r => r.IsSource));
        AssertCleanupOnly(plan);
    }

    [Fact]
    public void TriggerExit_StartsTheCleanupEvenBeforeTheConditionIsWritten()
    {
        var pod = new PodBuilder().Never().Container("src", "Never", Containers.RestartAll("In", 42)).Container("regular");
        var plan = Plans.Compute(pod, r => r.Exited("src", 1).Running("regular").Exited("src", 42));
        Assert.Equal(["regular-1", "src-2", "src-1"], plan.ContainersToRemove.Select(r => r.ContainerId));
        AssertCleanupOnly(plan);
    }

    [Fact]
    public void EveryInstanceIsRemovedInOnePass_NewestFirst_KillingOnlyThoseNotExited()
    {
        var pod = new PodBuilder().Always().Container("src", "Always", Containers.RestartAll("In", 42)).Container("flaky");
        var plan = Plans.Compute(pod, r => r.Exited("flaky", 1).Exited("flaky", 1).Unknown("flaky").Exited("src", 42));
        Assert.Equal(["flaky-3", "flaky-2", "flaky-1", "src-1"], plan.ContainersToRemove.Select(r => r.ContainerId));
        Assert.Equal([true, false, false, false], plan.ContainersToRemove.Select(r => r.Kill));
    }

    [Fact]
    public void RestartAllBranch_WinsOverADeadSandbox_AndKeepsIt()
    {
        var pod = new PodBuilder().Never().Container("src", "Never", Containers.RestartAll("In", 42)).Container("regular");
        var plan = Plans.Compute(pod, r => r.NoSandbox().Sandbox(ready: false, 3, "dead").Exited("src", 42).Running("regular"));
        Assert.False(plan.CreateSandbox);
        Assert.False(plan.KillPod);
        Assert.Equal("dead", plan.SandboxId);
        Assert.Equal(["regular", "src"], plan.ContainersToRemove.Names());
    }

    [Fact]
    public void RS_01_CleanedUp_ConditionStillTrue_TheNormalPathStartsInitIndexZeroImmediately()
    {
        var pod = new PodBuilder().Never().Init("init").Sidecar("sidecar")
            .Container("source-container", "Never", Containers.RestartAll("In", 42)).Container("regular").Build();
        var plan = Plans.Compute(pod, new RuntimeBuilder(pod).Build(), api: ApiStatuses.Restarting());
        Assert.Empty(plan.ContainersToRemove);
        Assert.False(plan.CreateSandbox);
        Assert.False(plan.KillPod);
        Assert.Equal(["init"], plan.InitContainersToStart.Names());
        Assert.Null(plan.InitContainersToStart[0].LastFinishedAt);
        Assert.Empty(plan.BackOffs);
    }

    [Fact]
    public void CleanedUp_WithoutInitContainers_EveryRegularContainerStartsWithoutBackoff()
    {
        var pod = new PodBuilder().Never().Container("src", "Never", Containers.RestartAll("In", 42)).Container("regular").Build();
        var backoff = new CrashLoopBackoff();
        foreach (var c in pod.Spec.Containers)
        {
            backoff.Next(CrashLoopBackoff.Key(pod, c), Plans.Now, Plans.Now);
        }

        var plan = Plans.Compute(pod, new RuntimeBuilder(pod).Build(), api: ApiStatuses.Restarting(), backoff: backoff);
        Assert.Equal(["src", "regular"], plan.ContainersToStart.Names());
        Assert.All(plan.ContainersToStart, s => Assert.Null(s.LastFinishedAt));
        Assert.Empty(plan.BackOffs);
    }

    [Theory]
    [InlineData(137)]
    [InlineData(143)]
    public void RS_04_ContainerKilledByTheCleanup_DoesNotStartASecondCycle(int killedExit)
    {
        var pod = new PodBuilder().Never()
            .Container("source-container", "Never", Containers.RestartAll("In", 42))
            .Container("regular", "Never", Containers.RestartAll("In", 42)).Build();

        // During the cleanup the killed container exits 137/143: a target, removed with the source.
        var during = Plans.Compute(pod, new RuntimeBuilder(pod).Exited("source-container", 42).Exited("regular", killedExit).Build(), api: ApiStatuses.Restarting());
        Assert.Equal([("regular", false), ("source-container", true)], during.ContainersToRemove.Select(r => (r.Name, r.IsSource)));

        // Cleaned up: the pod starts again, once.
        var restart = Plans.Compute(pod, new RuntimeBuilder(pod).Build(), api: ApiStatuses.Restarting());
        Assert.Equal(["source-container", "regular"], restart.ContainersToStart.Names());

        // Both running again with the condition False: no further cycle.
        var after = Plans.Compute(pod, new RuntimeBuilder(pod).Running("source-container").Running("regular").Build(), api: new() { Phase = "Running" });
        Assert.True(after.IsEmpty);
    }

    [Fact]
    public void CleanupKilledContainerMatchingTheRule_IsRemovedAsASourceWithoutAnotherCycle()
    {
        var pod = new PodBuilder().Never()
            .Container("a", "Never", Containers.RestartAll("In", 42, 143))
            .Container("b", "Never", Containers.RestartAll("In", 42)).Build();
        var plan = Plans.Compute(pod, new RuntimeBuilder(pod).Exited("b", 42).Exited("a", 143).Build(), api: ApiStatuses.Restarting());
        Assert.Equal(["b", "a"], plan.ContainersToRemove.Names());
        Assert.All(plan.ContainersToRemove, r => Assert.True(r.IsSource));
    }

    [Fact]
    public void RS_15_GateOffOnTheKubelet_TheContainerPolicyDecides()
    {
        var pod = new PodBuilder().Never().Container("c", "Never", Containers.RestartAll("In", 42)).Build();
        var plan = Plans.Compute(pod, new RuntimeBuilder(pod).Exited("c", 42).Build(), gates: RestartAllOff);
        Assert.Empty(plan.ContainersToRemove);
        Assert.Empty(plan.ContainersToStart);
        Assert.True(plan.KillPod);
    }

    [Fact]
    public void RS_15_GateOff_AConditionLeftTrueIsIgnored()
    {
        var pod = new PodBuilder().Always().Container("c", "Always", Containers.RestartAll("In", 42)).Build();
        var plan = Plans.Compute(pod, new RuntimeBuilder(pod).Exited("c", 42).Build(), api: ApiStatuses.Restarting(), gates: RestartAllOff);
        Assert.Empty(plan.ContainersToRemove);
        Assert.Equal(["c"], plan.ContainersToStart.Names());
    }

    [Fact]
    public void RS_14_SidecarTriggerDuringInit_RestartsTheWholeInitSequence()
    {
        var pod = new PodBuilder().Never().Sidecar("w", Containers.RestartAll("In", 9)).Init("i2").Container("app").Build();
        var cleanup = Plans.Compute(pod, new RuntimeBuilder(pod).Running("w").Running("i2").Exited("w", 9).Build());
        Assert.Equal([("i2", true), ("w", false), ("w", true)], cleanup.ContainersToRemove.Select(r => (r.Name, r.Kill)));
        var restart = Plans.Compute(pod, new RuntimeBuilder(pod).Build(), api: ApiStatuses.Restarting());
        Assert.Equal(["w"], restart.InitContainersToStart.Names());
        Assert.Empty(restart.ContainersToStart);
    }

    [Fact]
    public void RS_12_ReinitFailureUnderPodNever_FailsThePod()
    {
        var pod = new PodBuilder().Never().Init("setup").Container("app", "Never", Containers.RestartAll("In", 88));
        var plan = Plans.Compute(pod, r => r.Exited("setup", 3));
        Assert.True(plan.KillPod);
        Assert.Empty(plan.ContainersToStart);
        Assert.Empty(plan.ContainersToRemove);
    }

    [Fact]
    public void EarlierRestartRuleShadowsRestartAll()
    {
        var pod = new PodBuilder().Never().Container("c", "Never", Containers.Restart("NotIn", 0, 3), Containers.RestartAll("In", 7));
        var plan = Plans.Compute(pod, r => r.Exited("c", 7));
        Assert.Empty(plan.ContainersToRemove);
        Assert.Equal(["c"], plan.ContainersToStart.Names());
    }

    [Fact]
    public void DeletedPod_NeverEntersTheRestartAllBranch()
    {
        var pod = new PodBuilder().Never().Deleted(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc))
            .Container("c", "Never", Containers.RestartAll("In", 42)).Container("r");
        var plan = Plans.Compute(pod, r => r.Running("r").Exited("c", 42));
        Assert.Empty(plan.ContainersToRemove);
    }

    private static void AssertCleanupOnly(PodPlan plan)
    {
        Assert.False(plan.KillPod);
        Assert.False(plan.CreateSandbox);
        Assert.Empty(plan.ContainersToKill);
        Assert.Empty(plan.InitContainersToStart);
        Assert.Empty(plan.ContainersToStart);
        Assert.Empty(plan.BackOffs);
        Assert.Null(plan.NextSyncAt);
    }
}
