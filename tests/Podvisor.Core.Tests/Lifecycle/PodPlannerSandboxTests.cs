using Podvisor.Core.Tests.Support;

namespace Podvisor.Core.Tests.Lifecycle;

/// <summary>docs/lifecycle.md §5.1 steps 1 and 3: PodSandboxChanged and the sandbox (re)creation branch.</summary>
public class PodPlannerSandboxTests
{
    [Fact]
    public void NewPod_CreatesTheSandboxAtAttemptZeroAndStartsEveryContainer()
    {
        var plan = Plans.Compute(new PodBuilder().Container("a").Container("b"), r => r.NoSandbox());
        Assert.True(plan.CreateSandbox);
        Assert.True(plan.KillPod);
        Assert.Equal(0u, plan.Attempt);
        Assert.Null(plan.SandboxId);
        Assert.Equal(["a", "b"], plan.ContainersToStart.Names());
        Assert.Empty(plan.InitContainersToStart);
    }

    [Fact]
    public void NewPodWithInitContainers_StartsOnlyInitIndexZero()
    {
        var plan = Plans.Compute(new PodBuilder().Sidecar("s").Init("i").Container("c"), r => r.NoSandbox());
        Assert.True(plan.CreateSandbox);
        Assert.Equal(["s"], plan.InitContainersToStart.Names());
        Assert.Empty(plan.ContainersToStart);
    }

    [Theory]
    [InlineData(0u, 1u)]
    [InlineData(4u, 5u)]
    public void NewestSandboxNotReady_RecreatesWithTheNextAttempt(uint attempt, uint expected)
    {
        var plan = Plans.Compute(new PodBuilder().Container("c"), r => r.NoSandbox().Sandbox(ready: false, attempt, "old").Exited("c", 1));
        Assert.True(plan.CreateSandbox);
        Assert.True(plan.KillPod);
        Assert.Equal(expected, plan.Attempt);
        Assert.Equal("old", plan.SandboxId);
        Assert.Equal(["c"], plan.ContainersToStart.Names());
    }

    [Fact]
    public void OnlyTheNewestSandboxCounts()
    {
        var plan = Plans.Compute(new PodBuilder().Container("c"), r => r.NoSandbox().Sandbox(ready: false, 0).Sandbox(ready: true, 1).Running("c"));
        Assert.False(plan.CreateSandbox);
        Assert.False(plan.KillPod);
        Assert.Equal(1u, plan.Attempt);
        Assert.Equal("sb-1", plan.SandboxId);
        Assert.True(plan.IsEmpty);
    }

    [Fact]
    public void TwoReadySandboxes_RecreateOne()
    {
        var plan = Plans.Compute(new PodBuilder().Container("c"), r => r.NoSandbox().Sandbox(ready: true, 0).Sandbox(ready: true, 1).Running("c"));
        Assert.True(plan.CreateSandbox);
        Assert.Equal(2u, plan.Attempt);
    }

    [Theory]
    [InlineData("Never", null, false)]
    [InlineData("Never", "Always", false)] // quirk: only the pod-level policy is checked
    [InlineData("OnFailure", null, true)]
    [InlineData("Always", "Never", true)]
    [InlineData(null, null, true)]
    public void DeadSandboxOfAPodThatRanContainers_NeverPodIsNotRecreated(string? podPolicy, string? containerPolicy, bool recreated)
    {
        var plan = Plans.Compute(
            new PodBuilder().RestartPolicy(podPolicy).Container("c", containerPolicy),
            r => r.NoSandbox().Sandbox(ready: false, 0).Exited("c", 1));
        Assert.Equal(recreated, plan.CreateSandbox);
        Assert.True(plan.KillPod);
        Assert.Equal(recreated ? ["c"] : [], plan.ContainersToStart.Names());
    }

    [Fact]
    public void DeadSandboxOfANeverPodWithoutContainers_IsRetried()
    {
        var plan = Plans.Compute(new PodBuilder().Never().Container("c"), r => r.NoSandbox().Sandbox(ready: false, 0));
        Assert.True(plan.CreateSandbox);
        Assert.Equal(["c"], plan.ContainersToStart.Names());
    }

    [Theory]
    [InlineData("OnFailure", null, 0, false)] // run-once and succeeded: skipped
    [InlineData("OnFailure", null, 1, true)]
    [InlineData("Always", "OnFailure", 0, false)] // container-level OnFailure overrides the pod
    [InlineData("OnFailure", "Always", 0, true)]
    [InlineData("OnFailure", "Never", 0, true)] // quirk: container-level Never is restarted on a new sandbox
    [InlineData("Always", "Never", 1, true)]
    [InlineData("Always", null, 0, true)]
    public void NewSandbox_SkipsOnlyRunOnceContainersThatSucceeded(string podPolicy, string? containerPolicy, int exitCode, bool started)
    {
        var plan = Plans.Compute(
            new PodBuilder().RestartPolicy(podPolicy).Container("done", containerPolicy).Container("other"),
            r => r.NoSandbox().Sandbox(ready: false).Exited("done", exitCode).Exited("other", 1));
        Assert.True(plan.CreateSandbox);
        Assert.Equal(started ? ["done", "other"] : ["other"], plan.ContainersToStart.Names());
    }

    [Fact]
    public void NewSandbox_GateOff_ContainerLevelOnFailureIsIgnored()
    {
        var pod = new PodBuilder().Always().Container("done", "OnFailure").Build();
        var runtime = new RuntimeBuilder(pod).NoSandbox().Sandbox(ready: false).Exited("done", 0).Build();
        var plan = Plans.Compute(pod, runtime, gates: new FeatureGates(ContainerRestartRules: false));
        Assert.Equal(["done"], plan.ContainersToStart.Names());
    }

    [Fact]
    public void NewSandbox_NothingToStartAndARegularContainerWasCreated_NoSandbox()
    {
        var plan = Plans.Compute(new PodBuilder().OnFailure().Init("i").Container("c"), r => r.NoSandbox().Sandbox(ready: false).Exited("i").Exited("c"));
        Assert.False(plan.CreateSandbox);
        Assert.True(plan.KillPod);
        Assert.Empty(plan.InitContainersToStart);
        Assert.Empty(plan.ContainersToStart);
    }

    [Fact]
    public void NewSandbox_NoRegularContainerCreatedYet_RestartsInitialization()
    {
        var plan = Plans.Compute(new PodBuilder().OnFailure().Init("i").Init("j").Container("c"), r => r.NoSandbox().Sandbox(ready: false).Exited("i").Exited("j"));
        Assert.True(plan.CreateSandbox);
        Assert.Equal(["i"], plan.InitContainersToStart.Names());
    }

    [Fact]
    public void NewSandbox_InitContainersRestartFromIndexZeroEvenWhenCompleted()
    {
        var plan = Plans.Compute(new PodBuilder().Init("a").Init("b").Container("c"), r => r.NoSandbox().Sandbox(ready: false).Exited("a").Exited("b").Exited("c", 1));
        Assert.True(plan.CreateSandbox);
        Assert.Equal(["a"], plan.InitContainersToStart.Names());
        Assert.Empty(plan.ContainersToStart);
    }
}
