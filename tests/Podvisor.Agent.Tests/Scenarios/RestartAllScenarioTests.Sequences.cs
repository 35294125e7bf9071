using k8s.Models;
using Podvisor.Agent.Tests.Support;
using Podvisor.Core;
using Podvisor.Core.Model;

namespace Podvisor.Agent.Tests.Scenarios;

/// <summary>RestartAllContainers scenarios RS-11 to RS-20: identity, failures during re-init, gates, status records, timing, deletion.</summary>
public sealed partial class RestartAllScenarioTests
{
    [Fact]
    public async Task RS_11_EphemeralContainerInTheSpecIsNotRunAndRestartAllWorks()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("init", _ => FakeBehavior.ExitWith(0));
        var pod = await h.RunAsync(Rs01Pod + """

              ephemeralContainers:
              - {name: debugger, image: busybox, command: ["sleep", "10000"]}
            """);

        await h.ExitAsync(pod, "source-container", 42);

        Assert.DoesNotContain(h.Runtime.Calls, c => c.Contains("debugger", StringComparison.Ordinal));
        foreach (var name in Rs01Containers)
        {
            Assert.Equal(1, h.Container(pod, name).RestartCount);
        }

        Assert.Equal("False", h.Condition(pod, PodConditions.AllContainersRestarting)?.Status);
        Assert.Null(h.Status(pod).EphemeralContainerStatuses?.SingleOrDefault()?.State?.Running);
    }

    private const string Rs12Pod = """
        metadata: {name: rs12}
        spec:
          restartPolicy: POLICY
          initContainers:
          - name: setup
            command: ["sh", "-c", "[ -f /d/x ] && exit 3; touch /d/x"]
            volumeMounts: [{name: d, mountPath: /d}]
          containers:
          - name: app
            command: ["sleep", "10000"]
            restartPolicy: Never
            restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [88]}}]
          volumes: [{name: d, emptyDir: {}}]
        """;

    [Fact]
    public async Task RS_12_ReInitFailureUnderNeverFailsThePod()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("setup", n => FakeBehavior.ExitWith(n == 0 ? 0 : 3));
        var pod = await h.RunAsync(Rs12Pod.Replace("POLICY", "Never", StringComparison.Ordinal));

        await h.ExitAsync(pod, "app", 88);

        Assert.Equal(PodPhases.Failed, h.Status(pod).Phase);
        Assert.Equal(3, h.Container(pod, "setup").State.Terminated?.ExitCode);
        var condition = h.Condition(pod, PodConditions.AllContainersRestarting);
        Assert.Equal("False", condition?.Status);
        Assert.Equal(PodConditions.PodFailed, condition?.Reason);
        Assert.Equal(1, h.Runtime.StartCount("app"));
        Assert.Equal(2, h.Runtime.StartCount("setup"));
    }

    [Fact]
    public async Task RS_13_ReInitFailureUnderAlwaysIsRetriedWithBackoffThenRuns()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("setup", n => FakeBehavior.ExitWith(n is 1 or 2 ? 3 : 0));
        var pod = await h.RunAsync(Rs12Pod.Replace("POLICY", "Always", StringComparison.Ordinal));

        await h.ExitAsync(pod, "app", 88);

        // Run 2 failed, run 3 followed at once and failed too: now 10 s of CrashLoopBackOff.
        Assert.Equal(3, h.Runtime.StartCount("setup"));
        var setup = h.Container(pod, "setup");
        Assert.Equal(ContainerReasons.CrashLoopBackOff, setup.State.Waiting?.Reason);
        Assert.Equal($"back-off 10s restarting failed container=setup pod=rs12_default({pod.Metadata.Uid})", setup.State.Waiting?.Message);
        Assert.Equal(1, h.Runtime.StartCount("app"));

        await h.AdvanceAsync(TimeSpan.FromSeconds(9));
        Assert.Equal(3, h.Runtime.StartCount("setup"));
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(4, h.Runtime.StartCount("setup"));
        Assert.NotNull(h.Container(pod, "app").State.Running);
        Assert.Equal(PodPhases.Running, h.Status(pod).Phase);
    }

    [Fact]
    public async Task RS_14_SidecarTriggerDuringInitRestartsTheInitSequenceFromTheStart()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("i2", n => n == 0 ? FakeBehavior.Run : FakeBehavior.ExitWith(0));
        var pod = await h.RunAsync("""
            metadata: {name: rs14}
            spec:
              restartPolicy: Never
              initContainers:
              - name: w
                command: ["sleep", "10000"]
                restartPolicy: Always
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [9]}}]
              - {name: i2, command: ["sleep", "10"]}
              containers:
              - {name: app, command: ["sleep", "10000"]}
            """);
        Assert.Equal(["w", "i2"], h.Started());

        await h.ExitAsync(pod, "w", 9);

        Assert.Equal(["w", "i2", "w", "i2", "app"], h.Started());
        Assert.Contains("Stop i2 2s", h.Runtime.Calls);
        Assert.Equal(1, h.Container(pod, "w").RestartCount);
        Assert.NotNull(h.Container(pod, "app").State.Running);
        Assert.Equal(0, h.Container(pod, "app").RestartCount);
    }

    [Fact]
    public async Task RS_15_RuleActionFallsBackToTheContainerPolicyWhenTheGateIsOff()
    {
        await using var h = new ScenarioHarness(new FeatureGates(RestartAllContainersOnContainerExits: false));
        var pod = await h.RunAsync("""
            metadata: {name: rs15}
            spec:
              containers:
              - name: c
                command: ["sleep", "10000"]
                restartPolicy: Never
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
            """);

        await h.ExitAsync(pod, "c", 42);

        Assert.Equal(PodPhases.Failed, h.Status(pod).Phase);
        Assert.Equal(0, h.Container(pod, "c").RestartCount);
        Assert.Equal(1, h.Runtime.StartCount("c"));
        Assert.All(h.History(pod), s => Assert.DoesNotContain(s.Conditions ?? [], c => c.Type == PodConditions.AllContainersRestarting));
        Assert.Empty(h.EventsWithReason(EventReasons.RestartAllContainers));
    }

    [Fact]
    public async Task RS_16_RemovedContainersShowTheRestartingAllContainersRecordAndCountOnce()
    {
        var (h, pod) = await RunRs01Async();
        await using var _ = h;

        await h.ExitAsync(pod, "source-container", 42);

        // docs/lifecycle.md §D5: while removed, each container waits with the RestartingAllContainers record, counted once.
        var removed = h.History(pod).First(s => Rs01Containers.All(n => Find(s, n).State.Waiting?.Reason == ContainerReasons.RestartingAllContainers));
        foreach (var name in Rs01Containers)
        {
            var c = Find(removed, name);
            Assert.Equal(ContainerReasons.RestartAllRemovedMessage, c.State.Waiting.Message);
            var last = c.LastState.Terminated;
            Assert.Equal(137, last?.ExitCode);
            Assert.Equal(ContainerReasons.RestartingAllContainers, last?.Reason);
            Assert.Equal(ContainerReasons.RestartAllRemovedMessage, last?.Message);
            Assert.Null(last?.StartedAt);
            Assert.Null(last?.FinishedAt);
            Assert.Equal(1, c.RestartCount);
        }

        // Afterwards: +1 exactly once, the completed init container is Completed again, lastState keeps the record.
        Assert.All(h.History(pod), s => Assert.All(Rs01Containers, n => Assert.True(Find(s, n).RestartCount <= 1)));
        var init = h.Container(pod, "init");
        Assert.Equal(0, init.State.Terminated?.ExitCode);
        Assert.Equal("Completed", init.State.Terminated?.Reason);
        Assert.Equal(ContainerReasons.RestartingAllContainers, h.Container(pod, "source-container").LastState.Terminated?.Reason);
    }

    private static V1ContainerStatus Find(V1PodStatus s, string name) =>
        (s.InitContainerStatuses ?? []).Concat(s.ContainerStatuses ?? []).Single(c => c.Name == name);

    [Fact]
    public async Task RS_17_InitializedStaysTrueWhileInitContainersRerun()
    {
        var (h, pod) = await RunRs01Async(n => n == 0 ? FakeBehavior.ExitWith(0) : FakeBehavior.Run);
        await using var _ = h;
        var mark = h.History(pod).Count;

        await h.ExitAsync(pod, "source-container", 42);

        var rerun = h.Status(pod);
        Assert.NotNull(h.Container(pod, "init").State.Running);
        Assert.Equal(PodPhases.Pending, rerun.Phase);
        Assert.Equal(PodConditions.ContainersNotReady, h.Condition(pod, PodConditions.ContainersReady)?.Reason);
        Assert.Equal("False", h.Condition(pod, PodConditions.Ready)?.Status);
        Assert.Equal(PodConditions.ContainersNotReady, h.Condition(pod, PodConditions.Ready)?.Reason);
        foreach (var s in h.History(pod).Skip(mark))
        {
            Assert.Equal("True", s.Conditions.Single(c => c.Type == PodConditions.Initialized).Status);
            Assert.Equal("True", s.Conditions.Single(c => c.Type == PodConditions.PodReadyToStartContainers).Status);
        }

        await h.ExitAsync(pod, "init", 0);

        Assert.Equal("True", h.Condition(pod, PodConditions.ContainersReady)?.Status);
        Assert.Equal("True", h.Condition(pod, PodConditions.Ready)?.Status);
        Assert.Equal(PodPhases.Running, h.Status(pod).Phase);
    }

    /// <summary>docs/lifecycle.md §D7: unlike 1.35 (a ~60 s wait for the periodic resync), the pod starts again at once.</summary>
    [Fact]
    public async Task RS_18_SingleContainerPodRestartsImmediatelyWithoutWaitingForAResync()
    {
        await using var h = new ScenarioHarness();
        var pod = await h.RunAsync("""
            metadata: {name: rs18}
            spec:
              containers:
              - name: c
                command: ["sleep", "10000"]
                restartPolicy: Never
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
            """);
        var before = h.Time.GetUtcNow();
        var mark = h.Runtime.Calls.Count;

        await h.ExitAsync(pod, "c", 42);

        Assert.Equal(before, h.Time.GetUtcNow());
        Assert.Equal(["Exited c 42", "Remove c", "Create c", "Start c"], h.CallsSince(mark));
        Assert.NotNull(h.Container(pod, "c").State.Running);
        Assert.Equal(1, h.Container(pod, "c").RestartCount);
    }

    /// <summary>docs/lifecycle.md §D9 (as the 1.35 code): no CrashLoopBackOff between cycles; each cycle counts once.</summary>
    [Fact]
    public async Task RS_19_RepeatedCyclesRestartWithoutBackoff()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("source", n => n < 3 ? FakeBehavior.ExitWith(42) : FakeBehavior.Run);
        var before = h.Time.GetUtcNow();
        var pod = await h.RunAsync("""
            metadata: {name: rs19}
            spec:
              containers:
              - name: source
                command: ["sh", "-c", "exit 42"]
                restartPolicy: Never
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
              - {name: other, command: ["sleep", "10000"]}
            """);

        Assert.Equal(before, h.Time.GetUtcNow());
        Assert.Equal(3, h.EventsWithReason(EventReasons.RestartAllContainers).Count);
        Assert.Empty(h.EventsWithReason(EventReasons.BackOff));
        Assert.Equal(3, h.Container(pod, "source").RestartCount);
        Assert.Equal(3, h.Container(pod, "other").RestartCount);
        Assert.NotNull(h.Container(pod, "source").State.Running);
        Assert.Equal(1, h.Runtime.Calls.Count(c => c == "RunPodSandbox"));
    }

    [Fact]
    public async Task RS_20_DeletionDuringTheCleanupStopsTheCycleAndTerminatesThePod()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("init", _ => FakeBehavior.ExitWith(0));
        h.Runtime.Script("regular", _ => new FakeBehavior(IgnoresSigterm: true));
        var pod = await h.RunAsync(Rs01Pod);

        h.Runtime.Exit(pod.Metadata.Uid, "source-container", 42);
        await h.WaitForCallAsync("Stop regular 2s");
        Assert.True(IsRestarting(h.Status(pod)));
        var mark = h.Runtime.Calls.Count;
        h.Agent.DeletePod(pod.Metadata.Uid, null);
        h.Time.Advance(TimeSpan.FromSeconds(2));
        await h.SettleAsync();

        Assert.Empty(h.Started(mark));
        Assert.True(h.Sink.IsTerminated(pod.Metadata.Uid));
        Assert.True(PodPhases.IsTerminal(h.Sink.PhaseWhenTerminated(pod.Metadata.Uid)));
        var condition = h.Condition(pod, PodConditions.AllContainersRestarting);
        Assert.Equal("False", condition?.Status);
        Assert.Contains(condition?.Reason, new[] { PodConditions.PodFailed, PodConditions.PodCompleted });
        Assert.DoesNotContain(h.Runtime.GetPodStatus(pod.Metadata.Uid).Containers, c => c.State == RuntimeContainerState.Running);

        // The cycle stopped: the containers were not removed for a restart, so the final status shows how they ended.
        Assert.Equal(42, h.Container(pod, "source-container").State.Terminated?.ExitCode);
        Assert.Equal(137, h.Container(pod, "regular").State.Terminated?.ExitCode);
        Assert.All(Rs01Containers, name => Assert.Equal(0, h.Container(pod, name).RestartCount));
        Assert.Equal(["StopPodSandbox", "Remove"], h.CallsSince(mark).Where(c => c.StartsWith("Remove ", StringComparison.Ordinal) || c == "StopPodSandbox")
            .Select(c => c.Split(' ')[0]).Distinct());
    }
}
