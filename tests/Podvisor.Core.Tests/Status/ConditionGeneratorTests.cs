using k8s.Models;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Core.Status;
using Podvisor.Core.Tests.Support;
using static Podvisor.Core.Tests.Support.StatusPods;

namespace Podvisor.Core.Tests.Status;

public class ConditionGeneratorTests
{
    private static readonly V1Pod Rs08Pod = Pod("Never", [C("container1"), C("trigger", "Never", RestartAllOn(42))]);
    private static readonly FeatureGates RestartAllOff = new(RestartAllContainersOnContainerExits: false);

    private static V1PodStatus WithCondition(string type, string status, DateTime? at = null) =>
        new() { Conditions = [new V1PodCondition { Type = type, Status = status, LastTransitionTime = at }] };

    public static TheoryData<string, string, bool, string, string, string?> Rs08Table() => new()
    {
        { "pod pending", "", false, PodPhases.Pending, "False", null },
        { "pod failed", "", false, PodPhases.Failed, "False", PodConditions.PodFailed },
        { "pod succeeded", "", false, PodPhases.Succeeded, "False", PodConditions.PodCompleted },
        { "trigger", "container1=run trigger=42", false, PodPhases.Running, "True", PodConditions.RestartAllContainersStarted },
        { "cleaning up", "container1=0 trigger=42", true, PodPhases.Running, "True", PodConditions.RestartAllContainersStarted },
        { "cleaned up", "", true, PodPhases.Pending, "False", null },
        { "cleaned up while running", "", true, PodPhases.Running, "False", null },
        { "condition true, one left", "container1=run", true, PodPhases.Running, "True", PodConditions.RestartAllContainersStarted },
        { "non-matching exit", "container1=run trigger=1", false, PodPhases.Running, "False", null },
        { "terminal wins over trigger", "trigger=42", true, PodPhases.Failed, "False", PodConditions.PodFailed },
    };

    [Theory]
    [MemberData(nameof(Rs08Table))]
    public void RS_08_AllContainersRestartingCondition(string name, string runtime, bool oldTrue, string phase, string status, string? reason)
    {
        var builder = StatusRuntimeBuilder.WithSandbox();
        foreach (var entry in runtime.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var (container, state) = (entry.Split('=')[0], entry.Split('=')[1]);
            builder = state == "run" ? builder.Running(container) : builder.Exited(container, int.Parse(state, System.Globalization.CultureInfo.InvariantCulture));
        }

        var old = oldTrue ? WithCondition(PodConditions.AllContainersRestarting, "True") : null;
        var condition = ConditionGenerator.AllContainersRestarting(Rs08Pod, builder.Build(), old, phase, FeatureGates.Default);

        Assert.Equal(PodConditions.AllContainersRestarting, condition.Type);
        Assert.True(status == condition.Status, name);
        Assert.Equal(reason, condition.Reason);
        Assert.Equal(reason == PodConditions.RestartAllContainersStarted ? PodConditions.RestartAllContainersMessage : null, condition.Message);
    }

    [Fact]
    public void D4_OnlyPodsWithARestartAllRuleGetTheCondition()
    {
        var plain = Pod("Never", [C("a", "Never", RestartOn(42))]);
        Assert.Null(new StatusSequence(plain).Step(StatusRuntimeBuilder.WithSandbox().Running("a")).FindCondition(PodConditions.AllContainersRestarting));

        var sidecarRule = Pod("Never", [C("a")], [Sidecar("w", RestartAllOn(9))]);
        Assert.NotNull(new StatusSequence(sidecarRule).Step(StatusRuntimeBuilder.WithSandbox()).FindCondition(PodConditions.AllContainersRestarting));

        var gateOff = new StatusSequence(Rs08Pod, RestartAllOff).Step(StatusRuntimeBuilder.WithSandbox().Exited("container1", 0).Exited("trigger", 42));
        Assert.Null(gateOff.FindCondition(PodConditions.AllContainersRestarting));
        Assert.Equal(PodPhases.Failed, gateOff.Phase);
    }

    [Fact]
    public void ConditionOrderFollowsUpstreamAppendOrder()
    {
        var pod = Pod("Never", [C("container1"), C("trigger", "Never", RestartAllOn(42))]);
        pod.Status = new V1PodStatus { Conditions = [new V1PodCondition { Type = "example.com/Custom", Status = "True", Reason = "Mine" }] };
        var status = new StatusSequence(pod).Step(StatusRuntimeBuilder.WithSandbox());
        Assert.Equal(
            ["example.com/Custom", "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled", "AllContainersRestarting"],
            status.Conditions.Select(c => c.Type));
        Assert.Equal("Mine", status.Condition("example.com/Custom").Reason);
        Assert.All(status.Conditions.Where(c => c.Type != "example.com/Custom"), c => Assert.Null(c.LastProbeTime));
    }

    [Fact]
    public void CL_11_ConditionsOnANormalStart()
    {
        var pod = Pod("Always", [C("c").WithReadiness()]);
        var seq = new StatusSequence(pod);

        var s1 = seq.Step(new StatusRuntimeBuilder());
        Assert.Equal("True", s1.Condition(PodConditions.PodScheduled).Status);
        Assert.Equal("False", s1.Condition(PodConditions.PodReadyToStartContainers).Status);
        Assert.Equal(PodConditions.PodSandboxNotReady, s1.Condition(PodConditions.PodReadyToStartContainers).Reason);
        Assert.Equal("True", s1.Condition(PodConditions.Initialized).Status);
        AssertNotReady(s1, "containers with unready status: [c]");
        Assert.Equal(PodPhases.Pending, s1.Phase);

        var s2 = seq.Step(StatusRuntimeBuilder.WithSandbox());
        Assert.Equal("True", s2.Condition(PodConditions.PodReadyToStartContainers).Status);
        Assert.Null(s2.Condition(PodConditions.PodReadyToStartContainers).Reason);

        var s3 = seq.Step(StatusRuntimeBuilder.WithSandbox().Running("c"));
        AssertNotReady(s3, "containers with unready status: [c]");
        Assert.Equal(PodPhases.Running, s3.Phase);

        seq.Probes = new FakeProbeResults().Set(ProbeType.Readiness, "c-0", ProbeResult.Success);
        var s4 = seq.Step(StatusRuntimeBuilder.WithSandbox().Running("c"));
        Assert.Equal("True", s4.Condition(PodConditions.ContainersReady).Status);
        Assert.Equal("True", s4.Condition(PodConditions.Ready).Status);

        // lastTransitionTime moves only when the status flips.
        var t1 = s1.Condition(PodConditions.PodScheduled).LastTransitionTime;
        Assert.Equal(t1, s4.Condition(PodConditions.PodScheduled).LastTransitionTime);
        Assert.Equal(s1.Condition(PodConditions.Ready).LastTransitionTime, s3.Condition(PodConditions.Ready).LastTransitionTime);
        Assert.True(s4.Condition(PodConditions.Ready).LastTransitionTime > s3.Condition(PodConditions.Ready).LastTransitionTime);
        Assert.True(s2.Condition(PodConditions.PodReadyToStartContainers).LastTransitionTime > t1);
        Assert.All(s4.Conditions.Where(c => c.Type != PodConditions.AllContainersRestarting), c => Assert.Equal(1, c.ObservedGeneration));
    }

    private static void AssertNotReady(V1PodStatus status, string message)
    {
        foreach (var type in new[] { PodConditions.ContainersReady, PodConditions.Ready })
        {
            var c = status.Condition(type);
            Assert.Equal("False", c.Status);
            Assert.Equal(PodConditions.ContainersNotReady, c.Reason);
            Assert.Equal(message, c.Message);
        }
    }

    [Fact]
    public void LastTransitionTimeOnlyOnChange()
    {
        var at = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var now = at.AddHours(1);
        var old = WithCondition(PodConditions.Ready, "True", at);
        var same = new List<V1PodCondition> { new() { Type = PodConditions.Ready, Status = "True" } };
        var flipped = new List<V1PodCondition> { new() { Type = PodConditions.Ready, Status = "False" } };
        var custom = new List<V1PodCondition> { new() { Type = "x/Custom", Status = "True", LastTransitionTime = at } };

        StatusManagerRules.SetLastTransitionTimes(same, old, now);
        StatusManagerRules.SetLastTransitionTimes(flipped, old, now);
        StatusManagerRules.SetLastTransitionTimes(custom, old, now);

        Assert.Equal(at, same[0].LastTransitionTime);
        Assert.Equal(now, flipped[0].LastTransitionTime);
        Assert.Equal(at, custom[0].LastTransitionTime);

        var first = new List<V1PodCondition> { new() { Type = PodConditions.Ready, Status = "True" } };
        StatusManagerRules.SetLastTransitionTimes(first, null, now);
        Assert.Equal(now, first[0].LastTransitionTime);
    }

    public static TheoryData<string, string, string, string?> InitializedTable() => new()
    {
        // init states (i1, i2 = a regular init then a sidecar), regular app state, expected status, expected message
        { "i1=none s=none", "wait", "False", "containers with incomplete status: [i1 s]" },
        { "i1=run s=none", "wait", "False", "containers with incomplete status: [i1 s]" },
        { "i1=0 s=none", "wait", "False", "containers with incomplete status: [s]" },
        { "i1=0 s=run", "wait", "True", null },
        { "i1=1 s=none", "wait", "False", "containers with incomplete status: [i1 s]" },
        { "i1=0 s=run", "run", "True", null },
        { "i1=none s=none", "run", "True", null },
        { "i1=none s=none", "0", "True", null },
    };

    [Theory]
    [MemberData(nameof(InitializedTable))]
    public void InitializedConditionRules(string init, string app, string expected, string? message)
    {
        var pod = Pod("Always", [C("app")], [C("i1"), Sidecar("s")]);
        var runtime = StatusRuntimeBuilder.WithSandbox();
        foreach (var entry in init.Split(' '))
        {
            var (name, state) = (entry.Split('=')[0], entry.Split('=')[1]);
            runtime = state switch
            {
                "none" => runtime,
                "run" => runtime.Running(name),
                _ => runtime.Exited(name, int.Parse(state, System.Globalization.CultureInfo.InvariantCulture)),
            };
        }

        runtime = app switch { "run" => runtime.Running("app"), "0" => runtime.Exited("app", 0), _ => runtime };
        var condition = new StatusSequence(pod).Step(runtime).Condition(PodConditions.Initialized);
        Assert.Equal(expected, condition.Status);
        Assert.Equal(message, condition.Message);
        Assert.Equal(message is null ? null : PodConditions.ContainersNotInitialized, condition.Reason);
    }

    [Fact]
    public void InitializedPodCompletedWhenSucceeded()
    {
        var pod = Pod("Never", [C("app")], [C("init")]);
        var status = new StatusSequence(pod) { PodIsTerminal = true }.Step(StatusRuntimeBuilder.WithSandbox().Exited("init", 0).Exited("app", 0));
        Assert.Equal(PodPhases.Succeeded, status.Phase);
        Assert.Equal(PodConditions.PodCompleted, status.Condition(PodConditions.Initialized).Reason);
        Assert.Equal(PodConditions.PodCompleted, status.Condition(PodConditions.ContainersReady).Reason);
        Assert.Equal(PodConditions.PodCompleted, status.Condition(PodConditions.Ready).Reason);
    }

    [Fact]
    public void RS_17_InitializedStaysTrueOnlyWithTheGate()
    {
        var spec = Pod("Never", [C("app")], [C("init")]).Spec;
        var waiting = new V1ContainerStatus { Name = "init", State = new V1ContainerState { Waiting = new V1ContainerStateWaiting() } };
        var appWaiting = new V1ContainerStatus { Name = "app", State = new V1ContainerState { Waiting = new V1ContainerStateWaiting() } };
        var old = WithCondition(PodConditions.Initialized, "True");

        Assert.Equal("True", ConditionGenerator.Initialized(spec, old, [waiting, appWaiting], PodPhases.Running, FeatureGates.Default).Status);
        Assert.Equal("False", ConditionGenerator.Initialized(spec, old, [waiting, appWaiting], PodPhases.Running, RestartAllOff).Status);
        Assert.Equal("False", ConditionGenerator.Initialized(spec, null, [waiting, appWaiting], PodPhases.Running, FeatureGates.Default).Status);
    }

    public static TheoryData<string?, string, string?> ReadinessGateTable() => new()
    {
        { null, "False", "corresponding condition of pod readiness gate \"x/Ready\" does not exist." },
        { "False", "False", "the status of pod readiness gate \"x/Ready\" is not \"True\", but False" },
        { "True", "True", null },
    };

    [Theory]
    [MemberData(nameof(ReadinessGateTable))]
    public void ReadinessGates(string? gateStatus, string expected, string? message)
    {
        var pod = Pod("Always", [C("a")]);
        pod.Spec.ReadinessGates = [new V1PodReadinessGate { ConditionType = "x/Ready" }];
        if (gateStatus is not null)
        {
            pod.Status = new V1PodStatus { Conditions = [new V1PodCondition { Type = "x/Ready", Status = gateStatus }] };
        }

        var ready = new StatusSequence(pod).Step(StatusRuntimeBuilder.WithSandbox().Running("a")).Condition(PodConditions.Ready);
        Assert.Equal(expected, ready.Status);
        Assert.Equal(message, ready.Message);
        Assert.Equal(message is null ? null : PodConditions.ReadinessGatesNotReady, ready.Reason);
        Assert.Equal("True", new StatusSequence(pod).Step(StatusRuntimeBuilder.WithSandbox().Running("a")).Condition(PodConditions.ContainersReady).Status);
    }

    [Fact]
    public void UnknownAndUnreadyMessagesJoin()
    {
        var spec = Pod("Always", [C("b"), C("a"), C("c")], [Sidecar("s")]).Spec;
        var statuses = new[] { new V1ContainerStatus { Name = "b", Ready = false }, new V1ContainerStatus { Name = "c", Ready = true } };
        var condition = ConditionGenerator.ContainersReady(spec, statuses, PodPhases.Running);
        Assert.Equal("containers with unknown status: [s a], containers with unready status: [b]", condition.Message);
        Assert.Equal(PodConditions.PodFailed, ConditionGenerator.ContainersReady(spec, statuses, PodPhases.Failed).Reason);
    }

    [Theory]
    [InlineData(false, 1, "False")]
    [InlineData(true, 1, "True")]
    [InlineData(true, 2, "False")]
    public void PodReadyToStartContainersNeedsOneReadySandbox(bool newestReady, int readyCount, string expected)
    {
        var runtime = new StatusRuntimeBuilder();
        for (var i = 0; i < readyCount - (newestReady ? 1 : 0); i++)
        {
            runtime.Sandbox(true);
        }

        runtime.Sandbox(newestReady);
        Assert.Equal(expected, ConditionGenerator.PodReadyToStartContainers(runtime.Build()).Status);
    }

    [Fact]
    public void DisruptionTargetIsCopiedFromOldStatus()
    {
        var at = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var old = new V1PodStatus
        {
            Conditions = [new V1PodCondition { Type = PodConditions.DisruptionTarget, Status = "True", Reason = "EvictionByEvictionAPI", LastTransitionTime = at }],
        };
        var status = PodStatusGenerator.Generate(new StatusInput
        {
            Pod = Pod("Always", [C("a")]),
            Runtime = StatusRuntimeBuilder.WithSandbox().Running("a").Build(),
            OldStatus = old,
            Now = T0,
        });
        var disruption = status.Condition(PodConditions.DisruptionTarget);
        Assert.Equal("EvictionByEvictionAPI", disruption.Reason);
        Assert.Equal(at, disruption.LastTransitionTime);
        Assert.NotSame(old.Conditions[0], disruption);
    }
}
