using k8s.Models;
using Podvisor.Core.Model;
using Podvisor.Core.Tests.Support;
using static Podvisor.Core.Tests.Support.StatusPods;

namespace Podvisor.Core.Tests.Status;

/// <summary>Statuses through RestartAllContainers cycles (docs/lifecycle.md §6.6, §6.7, §D5, §D6).</summary>
public class RestartAllStatusTests
{
    private static readonly string[] Rs01Names = ["init", "sidecar", "source-container", "regular"];

    /// <summary>
    /// Drives one RS-01 cycle from "all running" through trigger, removal in upstream order, re-init and running
    /// again; returns the status after each step.
    /// </summary>
    private static List<V1PodStatus> RunRs01Cycle(StatusSequence seq, int cycle)
    {
        var steps = new List<V1PodStatus>();
        StatusRuntimeBuilder Base() => StatusRuntimeBuilder.WithSandbox();
        steps.Add(seq.Step(Base().Exited("init", 0, cycle).Running("sidecar", cycle).Running("source-container", cycle).Running("regular", cycle)));
        steps.Add(seq.Step(Base().Exited("init", 0, cycle).Running("sidecar", cycle).Exited("source-container", 42, cycle).Running("regular", cycle)));
        // Removal: regular targets, init targets (last index first), then the source.
        steps.Add(seq.Step(Base().Exited("init", 0, cycle).Running("sidecar", cycle).Exited("source-container", 42, cycle)));
        steps.Add(seq.Step(Base().Exited("init", 0, cycle).Exited("source-container", 42, cycle)));
        steps.Add(seq.Step(Base().Exited("source-container", 42, cycle)));
        steps.Add(seq.Step(Base()));
        steps.Add(seq.Step(Base()));
        // Startup: the init container runs again, then the sidecar, then the regular containers.
        steps.Add(seq.Step(Base().Running("init")));
        steps.Add(seq.Step(Base().Exited("init", 0)));
        steps.Add(seq.Step(Base().Exited("init", 0).Running("sidecar")));
        steps.Add(seq.Step(Base().Exited("init", 0).Running("sidecar").Running("source-container").Running("regular")));
        return steps;
    }

    [Fact]
    public void RS_16_StatusesDuringAndAfterRestartAll()
    {
        var seq = new StatusSequence(Rs01());
        var s = RunRs01Cycle(seq, cycle: 0);

        // Trigger: the source shows its real exit; the condition turns True; the pod stays Running.
        Assert.Equal(42, s[1].Container("source-container").State.Terminated.ExitCode);
        Assert.Equal("True", s[1].Condition(PodConditions.AllContainersRestarting).Status);
        Assert.Equal(PodPhases.Running, s[1].Phase);

        // Removed containers (upstream order: regular targets, init targets last first, then the source): waiting +
        // lastState RestartingAllContainers records, counted once. The condition stays True until nothing is left.
        foreach (var (step, name) in new[] { (2, "regular"), (3, "sidecar"), (4, "init"), (5, "source-container") })
        {
            var c = s[step].Container(name);
            Assert.Equal(ContainerReasons.RestartingAllContainers, c.State.Waiting.Reason);
            Assert.Equal(ContainerReasons.RestartAllRemovedMessage, c.State.Waiting.Message);
            var last = c.LastState.Terminated;
            Assert.Equal(137, last.ExitCode);
            Assert.Equal(ContainerReasons.RestartingAllContainers, last.Reason);
            Assert.Equal(ContainerReasons.RestartAllRemovedMessage, last.Message);
            Assert.Null(last.StartedAt);
            Assert.Null(last.FinishedAt);
            Assert.Equal(1, c.RestartCount);
            Assert.Equal(PodPhases.Running, s[step].Phase);
            Assert.Equal(step < 5 ? "True" : "False", s[step].Condition(PodConditions.AllContainersRestarting).Status);
        }

        // Cleaned up: condition False without a reason; every count is still exactly 1 from here on.
        Assert.Equal("False", s[5].Condition(PodConditions.AllContainersRestarting).Status);
        Assert.Null(s[5].Condition(PodConditions.AllContainersRestarting).Reason);
        foreach (var status in s.Skip(5))
        {
            Assert.All(Rs01Names, n => Assert.Equal(1, status.Container(n).RestartCount));
        }

        // Re-init: Pending while the regular init container runs; it is Completed again afterwards.
        Assert.Equal(PodPhases.Pending, s[7].Phase);
        var init = s[8].Container("init");
        Assert.Equal(ContainerReasons.Completed, init.State.Terminated.Reason);
        Assert.Equal(0, init.State.Terminated.ExitCode);
        Assert.True(init.Ready);
        Assert.Equal(ContainerReasons.RestartingAllContainers, init.LastState.Terminated.Reason);

        // Running again: the removal record stays as lastState (as the 1.36 capture shows).
        var final = s[^1];
        Assert.Equal(PodPhases.Running, final.Phase);
        foreach (var name in new[] { "sidecar", "source-container", "regular" })
        {
            Assert.NotNull(final.Container(name).State.Running);
            Assert.Equal(ContainerReasons.RestartingAllContainers, final.Container(name).LastState.Terminated.Reason);
        }

        Assert.Equal("True", final.Condition(PodConditions.Ready).Status);
    }

    [Fact]
    public void RS_17_ConditionsWhileInitContainersRerun()
    {
        var s = RunRs01Cycle(new StatusSequence(Rs01()), cycle: 0);
        foreach (var status in s.Skip(2).Take(8))
        {
            Assert.Equal("True", status.Condition(PodConditions.Initialized).Status);
            Assert.Equal("True", status.Condition(PodConditions.PodReadyToStartContainers).Status);
            Assert.Equal("False", status.Condition(PodConditions.ContainersReady).Status);
            Assert.Equal("False", status.Condition(PodConditions.Ready).Status);
            Assert.Equal(PodConditions.ContainersNotReady, status.Condition(PodConditions.Ready).Reason);
        }

        Assert.Equal("containers with unready status: [sidecar source-container regular]", s[5].Condition(PodConditions.ContainersReady).Message);
        // Initialized never flipped, so its transition time never moved.
        Assert.Equal(s[0].Condition(PodConditions.Initialized).LastTransitionTime, s[^1].Condition(PodConditions.Initialized).LastTransitionTime);
    }

    [Fact]
    public void RS_16_RestartCountPlusOnePerCycle()
    {
        var seq = new StatusSequence(Rs01());
        for (var cycle = 0; cycle < 3; cycle++)
        {
            var steps = RunRs01Cycle(seq, cycle);
            Assert.All(Rs01Names, n => Assert.Equal(cycle + 1, steps[^1].Container(n).RestartCount));
            Assert.All(steps, st => Assert.All(Rs01Names, n => Assert.InRange(st.Container(n).RestartCount, cycle, cycle + 1)));
        }
    }

    [Fact]
    public void RS_16_CompletedAndFailedContainersAreCountedToo()
    {
        var pod = Pod("Never", [C("trigger", "Never", RestartAllOn(3)), C("done"), C("broken")]);
        var seq = new StatusSequence(pod);
        seq.Step(StatusRuntimeBuilder.WithSandbox().Exited("done", 0).Exited("broken", 1).Running("trigger"));
        seq.Step(StatusRuntimeBuilder.WithSandbox().Exited("done", 0).Exited("broken", 1).Exited("trigger", 3));
        var removed = seq.Step(StatusRuntimeBuilder.WithSandbox());
        Assert.All(["done", "broken", "trigger"], n => Assert.Equal(1, removed.Container(n).RestartCount));
        Assert.All(["done", "broken", "trigger"], n => Assert.Equal(ContainerReasons.RestartingAllContainers, removed.Container(n).State.Waiting.Reason));
    }

    [Fact]
    public void WaitingContainerIsNotCountedByTheCycle()
    {
        var pod = Pod("Always", [C("trigger", "Always", RestartAllOn(3)), C("crashing")]);
        var seq = new StatusSequence(pod);
        seq.ReasonCache["crashing"] = new Podvisor.Core.Status.ContainerStartFailure(ContainerReasons.CrashLoopBackOff, "back-off");
        seq.Step(StatusRuntimeBuilder.WithSandbox().Exited("crashing", 1).Running("trigger"));
        seq.Step(StatusRuntimeBuilder.WithSandbox().Exited("crashing", 1).Exited("trigger", 3));
        var removed = seq.Step(StatusRuntimeBuilder.WithSandbox());
        Assert.Equal(0, removed.Container("crashing").RestartCount);
        Assert.Equal(1, removed.Container("trigger").RestartCount);
    }

    [Fact]
    public void LostContainerDuringCycleIsCountedOnce()
    {
        var pod = Pod("Never", [C("trigger", "Never", RestartAllOn(3)), C("bystander")]);
        var seq = new StatusSequence(pod);
        seq.Step(StatusRuntimeBuilder.WithSandbox().Running("bystander").Running("trigger"));
        seq.Step(StatusRuntimeBuilder.WithSandbox().Running("bystander").Exited("trigger", 3));
        var lost = seq.Step(StatusRuntimeBuilder.WithSandbox().Unknown("bystander").Exited("trigger", 3)).Container("bystander");
        Assert.Equal(ContainerReasons.RestartingAllContainers, lost.State.Terminated.Reason);
        Assert.Equal(1, lost.RestartCount);
        var removed = seq.Step(StatusRuntimeBuilder.WithSandbox().Exited("trigger", 3)).Container("bystander");
        Assert.Equal(ContainerReasons.RestartingAllContainers, removed.State.Waiting.Reason);
        Assert.Equal(1, removed.RestartCount);
    }

    [Fact]
    public void D6_PhaseRunningWhileRestartingEvenIfGetPhaseSaysPending()
    {
        // RS-03 shape: an init container triggers before the regular container ever ran (its default status is waiting).
        var pod = Pod("Never", [C("regular")], [Sidecar("sidecar"), C("source-init", "Never", RestartAllOn(42))]);
        var seq = new StatusSequence(pod);
        var trigger = seq.Step(StatusRuntimeBuilder.WithSandbox().Running("sidecar").Exited("source-init", 42));
        Assert.Equal("True", trigger.Condition(PodConditions.AllContainersRestarting).Status);
        Assert.Equal(PodPhases.Running, trigger.Phase);

        var cleaned = seq.Step(StatusRuntimeBuilder.WithSandbox());
        Assert.Equal("False", cleaned.Condition(PodConditions.AllContainersRestarting).Status);
        Assert.Equal(PodPhases.Pending, cleaned.Phase);
        Assert.Equal(0, cleaned.Container("regular").RestartCount);
        Assert.Equal(ContainerReasons.PodInitializing, cleaned.Container("regular").State.Waiting.Reason);
    }

    [Fact]
    public void RS_12_ReinitFailureFailsThePod()
    {
        var pod = Pod("Never", [C("app", "Never", RestartAllOn(88))], [C("setup")]);
        var seq = new StatusSequence(pod);
        seq.Step(StatusRuntimeBuilder.WithSandbox().Exited("setup", 0).Running("app"));
        seq.Step(StatusRuntimeBuilder.WithSandbox().Exited("setup", 0).Exited("app", 88));
        seq.Step(StatusRuntimeBuilder.WithSandbox());
        var failed = seq.Step(StatusRuntimeBuilder.WithSandbox().Exited("setup", 3));
        Assert.Equal(PodPhases.Failed, failed.Phase);
        Assert.Equal(PodConditions.PodFailed, failed.Condition(PodConditions.AllContainersRestarting).Reason);
        // Terminal phases are final.
        Assert.Equal(PodPhases.Failed, seq.Step(StatusRuntimeBuilder.WithSandbox().Exited("setup", 0).Running("app")).Phase);
    }
}
