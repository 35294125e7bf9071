using Podvisor.Core;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Core.Tests.Support;

namespace Podvisor.Core.Tests.Lifecycle;

/// <summary>docs/lifecycle.md §5.1 steps 6 and 7, §4.1, §4.2 probe kills: regular containers.</summary>
public class PodPlannerContainerTests
{
    [Fact]
    public void RunningContainers_AreKept()
    {
        var plan = Plans.Compute(new PodBuilder().Container("a").Container("b"), r => r.Running("a").Running("b"));
        Assert.True(plan.IsEmpty);
        Assert.Null(plan.NextSyncAt);
        Assert.Equal("sb", plan.SandboxId);
    }

    [Fact]
    public void ContainersStartInSpecOrder()
    {
        var plan = Plans.Compute(new PodBuilder().Container("z").Container("a").Container("m"), r => r.Running("a"));
        Assert.Equal(["z", "m"], plan.ContainersToStart.Names());
        Assert.Equal([0, 2], plan.ContainersToStart.Select(s => s.Index));
        Assert.All(plan.ContainersToStart, s => Assert.Equal(ContainerKind.Regular, s.Kind));
    }

    [Fact]
    public void CreatedContainer_IsStartedAgain()
    {
        var plan = Plans.Compute(new PodBuilder().Never().Container("c"), r => r.Created("c"));
        Assert.Equal(["c"], plan.ContainersToStart.Names());
        Assert.Empty(plan.ContainersToKill);
    }

    [Fact]
    public void UnknownContainer_IsKilledBeforeItIsRestarted()
    {
        var plan = Plans.Compute(new PodBuilder().Never().Container("c"), r => r.Unknown("c"));
        Assert.Equal([new ContainerToKill("c-1", "c", KillReason.Unknown, "Container is in \"unknown\" state, try killing it before restart")], [.. plan.ContainersToKill]);
        Assert.Equal(["c"], plan.ContainersToStart.Names());
    }

    [Theory]
    [InlineData(null, null, true)]
    [InlineData("Always", null, true)]
    [InlineData("OnFailure", null, true)]
    [InlineData("Never", null, false)]
    [InlineData("Always", "Never", false)]
    [InlineData("Never", "Always", true)]
    [InlineData("Never", "OnFailure", true)]
    public void LivenessFailure_KillsAndRestartsPerTheContainerLevelPolicy(string? podPolicy, string? containerPolicy, bool restart)
    {
        var pod = new PodBuilder().RestartPolicy(podPolicy).Container("c", containerPolicy).Container("other").Build();
        var plan = Plans.Compute(pod, new RuntimeBuilder(pod).Running("c").Running("other").Build(),
            probes: new FakeProbeResults().Set(ProbeType.Liveness, "c-1", ProbeResult.Failure));
        var message = restart ? "Container c failed liveness probe, will be restarted" : "Container c failed liveness probe";
        Assert.Equal([new ContainerToKill("c-1", "c", KillReason.LivenessProbe, message)], [.. plan.ContainersToKill]);
        Assert.Equal(restart ? ["c"] : [], plan.ContainersToStart.Names());
        Assert.False(plan.KillPod);
    }

    [Fact]
    public void CR_11_LivenessKillWithContainerNever_IgnoresTheRulesAndKillsThePodWhenNothingIsLeft()
    {
        var pod = new PodBuilder().Always().Container("c", "Never", Containers.Restart("In", 137)).Build();
        var probes = new FakeProbeResults().Set(ProbeType.Liveness, "c-1", ProbeResult.Failure);
        var plan = Plans.Compute(pod, new RuntimeBuilder(pod).Running("c").Build(), probes: probes);
        Assert.Equal("Container c failed liveness probe", Assert.Single(plan.ContainersToKill).Message);
        Assert.Empty(plan.ContainersToStart);
        Assert.True(plan.KillPod);
    }

    [Theory]
    [InlineData(137, true)]
    [InlineData(143, false)]
    public void CR_11_NextSync_TheKilledContainersExitCodeIsMatchedAgainstTheRules(int exitCode, bool restarted)
    {
        var plan = Plans.Compute(new PodBuilder().Always().Container("c", "Never", Containers.Restart("In", 137)), r => r.Exited("c", exitCode));
        Assert.Equal(restarted ? ["c"] : [], plan.ContainersToStart.Names());
        Assert.Equal(!restarted, plan.KillPod);
    }

    [Fact]
    public void StartupFailure_KillsAndRestarts()
    {
        var pod = new PodBuilder().Container("c").Build();
        var plan = Plans.Compute(pod, new RuntimeBuilder(pod).Running("c").Build(),
            probes: new FakeProbeResults().Set(ProbeType.Startup, "c-1", ProbeResult.Failure));
        Assert.Equal([new ContainerToKill("c-1", "c", KillReason.StartupProbe, "Container c failed startup probe, will be restarted")], [.. plan.ContainersToKill]);
        Assert.Equal(["c"], plan.ContainersToStart.Names());
    }

    [Fact]
    public void LivenessFailureWinsOverStartupFailure()
    {
        var pod = new PodBuilder().Container("c").Build();
        var probes = new FakeProbeResults().Set(ProbeType.Startup, "c-1", ProbeResult.Failure).Set(ProbeType.Liveness, "c-1", ProbeResult.Failure);
        var plan = Plans.Compute(pod, new RuntimeBuilder(pod).Running("c").Build(), probes: probes);
        Assert.Equal(KillReason.LivenessProbe, Assert.Single(plan.ContainersToKill).Reason);
    }

    [Theory]
    [InlineData("Never")]
    [InlineData("Always")]
    public void SpecChange_AlwaysRestarts(string containerPolicy)
    {
        var plan = Plans.Compute(new PodBuilder().Never().Container("c", containerPolicy), r => r.RunningWithOldSpec("c"));
        Assert.Equal([new ContainerToKill("c-1", "c", KillReason.SpecChanged, "Container c definition changed, will be restarted")], [.. plan.ContainersToKill]);
        Assert.Equal(["c"], plan.ContainersToStart.Names());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void CL_09_SidecarsAreStoppedByKillPodOnceTheMainContainersFinish(int mainExit)
    {
        var plan = Plans.Compute(new PodBuilder().Never().Sidecar("s").Container("main"), r => r.Running("s").Running("main").Exited("main", mainExit));
        Assert.True(plan.KillPod);
        Assert.False(plan.CreateSandbox);
        Assert.Empty(plan.InitContainersToStart);
        Assert.Empty(plan.ContainersToStart);
    }

    [Fact]
    public void CL_09_WhileMainRuns_TheSidecarKeepsThePodRunning()
    {
        var plan = Plans.Compute(new PodBuilder().Never().Sidecar("s").Container("main"), r => r.Running("s").Running("main"));
        Assert.True(plan.IsEmpty);
    }

    [Fact]
    public void CL_09_SidecarThatExitedAfterTheMainContainersFinished_IsRestartedOnceThenThePodIsKilled()
    {
        // Upstream quirk (docs/lifecycle.md §5.2, #136969): with every regular container exited, initialization is judged from the init
        // containers alone, so an exited sidecar is restarted first; once it runs, the next sync kills the pod.
        var pod = new PodBuilder().Never().Sidecar("s").Container("main");
        var first = Plans.Compute(pod, r => r.Running("main").Exited("s", 1).Exited("main", 0));
        Assert.Equal(["s"], first.InitContainersToStart.Names());
        Assert.False(first.KillPod);

        var second = Plans.Compute(pod, r => r.Running("main").Exited("s", 1).Exited("main", 0).Running("s"));
        Assert.True(second.KillPod);
        Assert.Empty(second.InitContainersToStart);
    }

    [Fact]
    public void DeletedPod_StartsNothing()
    {
        var plan = Plans.Compute(new PodBuilder().Deleted(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)).Container("c"), r => r.Exited("c", 1));
        Assert.Empty(plan.ContainersToStart);
        Assert.True(plan.KillPod);
    }

    [Fact]
    public void GateOff_ContainerLevelPolicyIsIgnoredForProbeKills()
    {
        var pod = new PodBuilder().Always().Container("c", "Never").Build();
        var plan = Plans.Compute(pod, new RuntimeBuilder(pod).Running("c").Build(),
            probes: new FakeProbeResults().Set(ProbeType.Liveness, "c-1", ProbeResult.Failure),
            gates: new FeatureGates(ContainerRestartRules: false));
        Assert.Equal(["c"], plan.ContainersToStart.Names());
    }
}
