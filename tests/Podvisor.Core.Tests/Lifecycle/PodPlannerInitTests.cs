using Podvisor.Core;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Core.Tests.Support;

namespace Podvisor.Core.Tests.Lifecycle;

/// <summary>docs/lifecycle.md §5.2 and §13: computeInitContainerActions: init sequencing, sidecars, init failures.</summary>
public class PodPlannerInitTests
{
    private static PodBuilder Abc() => new PodBuilder().Init("a").Init("b").Container("c");

    public static TheoryData<string, string[], string[]> CL_02_Steps => new()
    {
        // runtime description, init containers started, regular containers started
        { "", ["a"], [] },
        { "a:running", [], [] },
        { "a:created", ["a"], [] },
        { "a:0", ["b"], [] },
        { "a:0 b:running", [], [] },
        { "a:0 b:0", [], ["c"] },
        { "b:0", [], ["c"] }, // a was removed from the runtime: the last init container decides
        { "a:0 b:0 c:running", [], [] },
    };

    [Theory]
    [MemberData(nameof(CL_02_Steps))]
    public void CL_02_InitContainersRunOneAtATimeInSpecOrder(string runtime, string[] init, string[] regular)
    {
        var plan = Plans.Compute(Abc(), r => Apply(r, runtime));
        Assert.Equal(init, plan.InitContainersToStart.Names());
        Assert.Equal(regular, plan.ContainersToStart.Names());
        Assert.False(plan.KillPod);
    }

    [Theory]
    [InlineData("Never", null, true)]
    [InlineData("OnFailure", null, false)]
    [InlineData("Always", null, false)]
    [InlineData("Always", "Never", true)] // the container-level policy decides (docs/lifecycle.md §4.2)
    [InlineData("Never", "OnFailure", false)]
    public void CL_03_FailedInitContainer_FailsThePodUnlessItMayRestart(string podPolicy, string? initPolicy, bool podFails)
    {
        var plan = Plans.Compute(new PodBuilder().RestartPolicy(podPolicy).Init("a", initPolicy).Container("c"), r => r.Exited("a", 1));
        Assert.Equal(podFails, plan.KillPod);
        Assert.Equal(podFails ? [] : ["a"], plan.InitContainersToStart.Names());
        Assert.Empty(plan.ContainersToStart);
    }

    [Fact]
    public void CL_03_GateOff_OnlyThePodPolicyDecides()
    {
        var pod = new PodBuilder().Always().Init("a", "Never").Container("c").Build();
        var plan = Plans.Compute(pod, new RuntimeBuilder(pod).Exited("a", 1).Build(), gates: new FeatureGates(ContainerRestartRules: false));
        Assert.False(plan.KillPod);
        Assert.Equal(["a"], plan.InitContainersToStart.Names());
    }

    [Theory]
    [InlineData(5, false)]
    [InlineData(6, true)]
    public void CR_09_InitContainerRetriedByARuleUnderPodNever(int exitCode, bool podFails)
    {
        var pod = new PodBuilder().Never().Init("init", "Never", Containers.Restart("In", 5)).Container("app");
        var plan = Plans.Compute(pod, r => r.Exited("init", exitCode));
        Assert.Equal(podFails, plan.KillPod);
        Assert.Equal(podFails ? [] : ["init"], plan.InitContainersToStart.Names());
    }

    [Fact]
    public void CR_09_RuleMatchingZeroDoesNotRerunACompletedInitContainer()
    {
        var plan = Plans.Compute(new PodBuilder().Never().Init("init", "Never", Containers.Restart("In", 0)).Container("app"), r => r.Exited("init", 0));
        Assert.Empty(plan.InitContainersToStart);
        Assert.Equal(["app"], plan.ContainersToStart.Names());
    }

    [Fact]
    public void OomKilledInitContainerWithExitZero_IsAFailure()
    {
        var plan = Plans.Compute(new PodBuilder().Never().Init("a").Container("c"), r => r.Exited("a", 0, reason: "OOMKilled"));
        Assert.True(plan.KillPod);
    }

    [Theory]
    [InlineData("Always", null, false)]
    [InlineData("Never", null, true)]
    [InlineData("Never", "OnFailure", false)]
    [InlineData("Always", "Never", true)]
    public void UnknownInitContainer_IsKilledAndRestartedUnlessThePolicySaysNever(string podPolicy, string? initPolicy, bool podFails)
    {
        var plan = Plans.Compute(new PodBuilder().RestartPolicy(podPolicy).Init("a", initPolicy).Container("c"), r => r.Unknown("a"));
        Assert.Equal(podFails, plan.KillPod);
        if (!podFails)
        {
            var kill = Assert.Single(plan.ContainersToKill);
            Assert.Equal(new ContainerToKill("a-1", "a", KillReason.Unknown, "Init container is in \"unknown\" state, try killing it before restart"), kill);
            Assert.Equal(["a"], plan.InitContainersToStart.Names());
        }
    }

    [Fact]
    public void CL_04_SidecarWithStartupProbe_GatesTheNextInitContainerOnSuccess()
    {
        var pod = new PodBuilder().Sidecar("s").Init("i").Container("c").With("s", c => c.StartupProbe = Containers.ExecProbe()).Build();
        var runtime = new RuntimeBuilder(pod).Running("s").Build();
        foreach (var (result, init) in new[] { (ProbeResult.Unknown, Array.Empty<string>()), (ProbeResult.Success, ["i"]) })
        {
            var plan = Plans.Compute(pod, runtime, probes: new FakeProbeResults().Set(ProbeType.Startup, "s-1", result));
            Assert.Equal(init, plan.InitContainersToStart.Names());
            Assert.Empty(plan.ContainersToKill);
        }

        var failed = Plans.Compute(pod, runtime, probes: new FakeProbeResults().Set(ProbeType.Startup, "s-1", ProbeResult.Failure));
        Assert.Equal([new ContainerToKill("s-1", "s", KillReason.StartupProbe, "Init container s failed startup probe")], [.. failed.ContainersToKill]);
        Assert.Equal(["s"], failed.InitContainersToStart.Names());
        Assert.Equal(ContainerKind.Sidecar, failed.InitContainersToStart[0].Kind);
    }

    [Fact]
    public void CL_04_SidecarWithoutStartupProbe_CountsAsStartedOnceRunning()
    {
        var plan = Plans.Compute(new PodBuilder().Sidecar("s").Init("i").Container("c"), r => r.Running("s"));
        Assert.Equal(["i"], plan.InitContainersToStart.Names());
    }

    [Fact]
    public void CL_04_AfterInitialization_SidecarKeepsRunningAndRegularContainersStart()
    {
        var plan = Plans.Compute(new PodBuilder().Sidecar("s").Init("i").Container("c"), r => r.Running("s").Exited("i", 0));
        Assert.Empty(plan.InitContainersToStart);
        Assert.Equal(["c"], plan.ContainersToStart.Names());
    }

    [Fact]
    public void LastInitContainerIsAStartedSidecar_PodIsInitialized()
    {
        var plan = Plans.Compute(new PodBuilder().Init("i").Sidecar("s").Container("c"), r => r.Exited("i").Running("s"));
        Assert.Empty(plan.InitContainersToStart);
        Assert.Equal(["c"], plan.ContainersToStart.Names());
    }

    [Theory]
    [InlineData("Never", 0)]
    [InlineData("Never", 1)]
    [InlineData("OnFailure", 0)]
    [InlineData("Always", 137)]
    public void ExitedSidecar_AlwaysRestarts_WhateverThePodPolicyAndExitCode(string podPolicy, int exitCode)
    {
        var plan = Plans.Compute(new PodBuilder().RestartPolicy(podPolicy).Sidecar("s").Container("c"), r => r.Running("s").Running("c").Exited("s", exitCode));
        Assert.Equal(["s"], plan.InitContainersToStart.Names());
        Assert.Empty(plan.ContainersToStart);
        Assert.False(plan.KillPod);
    }

    [Fact]
    public void SidecarMissingFromTheRuntimeOfAnInitializedPod_IsStartedAgain()
    {
        var plan = Plans.Compute(new PodBuilder().Init("i").Sidecar("s").Container("c"), r => r.Running("c"));
        Assert.Equal(["s"], plan.InitContainersToStart.Names());
    }

    [Fact]
    public void RegularInitContainersOfAnInitializedPod_AreNeverRerun()
    {
        var plan = Plans.Compute(new PodBuilder().Init("i").Sidecar("s").Container("c"), r => r.Exited("i", 1).Running("s").Running("c"));
        Assert.Empty(plan.InitContainersToStart);
        Assert.False(plan.KillPod);
    }

    [Fact]
    public void SidecarLivenessFailure_KillsAndRestartsIt()
    {
        var pod = new PodBuilder().Sidecar("s").Container("c").With("s", c => c.LivenessProbe = Containers.ExecProbe()).Build();
        var plan = Plans.Compute(pod, new RuntimeBuilder(pod).Running("s").Running("c").Build(),
            probes: new FakeProbeResults().Set(ProbeType.Liveness, "s-1", ProbeResult.Failure));
        Assert.Equal([new ContainerToKill("s-1", "s", KillReason.LivenessProbe, "Init container s failed liveness probe")], [.. plan.ContainersToKill]);
        Assert.Equal(["s"], plan.InitContainersToStart.Names());
    }

    [Fact]
    public void SidecarSpecChange_KillsAndRestartsIt()
    {
        var plan = Plans.Compute(new PodBuilder().Sidecar("s").Container("c"), r => r.RunningWithOldSpec("s").Running("c"));
        Assert.Equal([new ContainerToKill("s-1", "s", KillReason.SpecChanged, "Init container s definition changed")], [.. plan.ContainersToKill]);
        Assert.Equal(["s"], plan.InitContainersToStart.Names());
    }

    [Fact]
    public void UnknownSidecar_IsKilledAndRestartedEvenUnderPodNever()
    {
        var plan = Plans.Compute(new PodBuilder().Never().Sidecar("s").Container("c"), r => r.Unknown("s"));
        Assert.False(plan.KillPod);
        Assert.Equal(["s"], plan.ContainersToKill.Names());
        Assert.Equal(["s"], plan.InitContainersToStart.Names());
    }

    [Fact]
    public void RS_03_StartOrder_SidecarThenInitThenSourceInitThenRegular()
    {
        var pod = new PodBuilder().Never().Sidecar("sidecar").Init("init").Init("source-init", "Never", Containers.RestartAll("In", 42)).Container("regular");
        string[][] expected = [["sidecar"], ["init"], ["source-init"], []];
        string[] runtimes = ["", "sidecar:running", "sidecar:running init:0", "sidecar:running init:0 source-init:running"];
        for (var step = 0; step < runtimes.Length; step++)
        {
            var plan = Plans.Compute(pod, r => Apply(r, runtimes[step]));
            Assert.Equal(expected[step], plan.InitContainersToStart.Names());
            Assert.Empty(plan.ContainersToStart);
        }

        Assert.Equal(["regular"], Plans.Compute(pod, r => Apply(r, "sidecar:running init:0 source-init:0")).ContainersToStart.Names());
    }

    /// <summary>Applies <c>name:running</c>, <c>name:created</c>, <c>name:unknown</c> or <c>name:EXITCODE</c> tokens in order.</summary>
    internal static RuntimeBuilder Apply(RuntimeBuilder runtime, string description)
    {
        foreach (var token in description.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var (name, state) = (token.Split(':')[0], token.Split(':')[1]);
            runtime = state switch
            {
                "running" => runtime.Running(name),
                "created" => runtime.Created(name),
                "unknown" => runtime.Unknown(name),
                _ => runtime.Exited(name, int.Parse(state, System.Globalization.CultureInfo.InvariantCulture)),
            };
        }

        return runtime;
    }
}
