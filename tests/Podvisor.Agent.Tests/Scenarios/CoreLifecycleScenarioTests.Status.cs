using k8s.Models;
using Podvisor.Agent.Tests.Support;
using Podvisor.Core.Model;

namespace Podvisor.Agent.Tests.Scenarios;

/// <summary>Core lifecycle scenarios CL-08 to CL-13: deletion, phases, conditions, termination messages.</summary>
public sealed partial class CoreLifecycleScenarioTests
{
    [Fact]
    public async Task CL_08_DeletionDuringInitializationDoesNotWaitForSidecarsThatNeverStarted()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("start-init", _ => new FakeBehavior(IgnoresSigterm: true));
        var pod = await h.RunAsync("""
            metadata: {name: cl08}
            spec:
              restartPolicy: Never
              initContainers:
              - {name: start-init, command: ["sleep", "300"]}
              - {name: restartable-init-1, command: ["sleep", "600"], restartPolicy: Always, lifecycle: {preStop: {exec: {command: ["sleep", "1"]}}}}
              - {name: restartable-init-2, command: ["sleep", "600"], restartPolicy: Always, lifecycle: {preStop: {exec: {command: ["sleep", "1"]}}}}
              - {name: restartable-init-3, command: ["sleep", "600"], restartPolicy: Always, lifecycle: {preStop: {exec: {command: ["sleep", "1"]}}}}
              containers:
              - {name: regular-1, command: ["sleep", "600"]}
            """);
        Assert.Equal(PodPhases.Pending, h.Status(pod).Phase);
        Assert.NotNull(h.Container(pod, "start-init").State.Running);

        h.Agent.DeletePod(pod.Metadata.Uid, 3);
        await h.WaitForCallAsync("Stop start-init 3s");
        h.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(h.Sink.IsTerminated(pod.Metadata.Uid));
        h.Time.Advance(Second);
        await h.SettleAsync();

        Assert.True(h.Sink.IsTerminated(pod.Metadata.Uid));
        Assert.True(PodPhases.IsTerminal(h.Sink.PhaseWhenTerminated(pod.Metadata.Uid)));
        Assert.Equal(["start-init"], h.Started());
        Assert.DoesNotContain(h.Runtime.Calls, c => c.StartsWith("Exec ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0, PodPhases.Succeeded)]
    [InlineData(1, PodPhases.Failed)]
    public async Task CL_09_SidecarKeepsThePodRunningUntilTheMainContainerFinishes(int exitCode, string phase)
    {
        await using var h = new ScenarioHarness();
        var pod = await h.RunAsync("""
            metadata: {name: cl09}
            spec:
              restartPolicy: Never
              initContainers:
              - {name: s, command: ["sleep", "infinity"], restartPolicy: Always}
              containers:
              - {name: main, command: ["sh", "-c", "sleep 5; exit 0"]}
            """);
        Assert.Equal(PodPhases.Running, h.Status(pod).Phase);

        await h.ExitAsync(pod, "main", exitCode);

        // KillPod: the sidecar is stopped with the pod's grace period, then the phase comes from main alone.
        Assert.Contains("Stop s 30s", h.Runtime.Calls);
        Assert.Equal(phase, h.Status(pod).Phase);
        Assert.Equal("Stopping container s", Assert.Single(h.EventsWithReason(EventReasons.Killing)).Message);
    }

    [Theory]
    [InlineData("Never", 0, 0, PodPhases.Succeeded)]
    [InlineData("Never", 0, 1, PodPhases.Failed)]
    [InlineData("OnFailure", 0, 1, PodPhases.Running)]
    [InlineData("Always", 0, 0, PodPhases.Running)]
    public async Task CL_10_PhaseFollowsTheExitsAndThePolicy(string policy, int exitA, int exitB, string phase)
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("a", _ => FakeBehavior.ExitWith(exitA));
        h.Runtime.Script("b", _ => FakeBehavior.ExitWith(exitB));
        var pod = await h.RunAsync($$"""
            metadata: {name: cl10}
            spec:
              restartPolicy: {{policy}}
              containers:
              - {name: a, command: ["true"]}
              - {name: b, command: ["true"]}
            """);

        Assert.Equal(phase, h.Status(pod).Phase);
    }

    /// <summary>The row "a running, b waiting (never started)": b cannot be created (CreateContainerConfigError).</summary>
    [Fact]
    public async Task CL_10_RunningAndNeverStartedContainerIsPending()
    {
        await using var h = new ScenarioHarness();
        var pod = await h.RunAsync("""
            metadata: {name: cl10}
            spec:
              containers:
              - {name: a, command: ["sleep", "10000"]}
              - name: b
                command: ["sleep", "10000"]
                env: [{name: X, valueFrom: {configMapKeyRef: {name: cm, key: k}}}]
            """);

        Assert.NotNull(h.Container(pod, "a").State.Running);
        Assert.Equal(ContainerReasons.CreateContainerConfigError, h.Container(pod, "b").State.Waiting?.Reason);
        Assert.Equal(PodPhases.Pending, h.Status(pod).Phase);

        // Without further events the failed creation is retried after the sync error backoff (10 s), not in a tight loop.
        var failures = h.EventsWithReason(EventReasons.Failed).Count;
        await h.AdvanceAsync(TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(9));
        Assert.Equal(failures, h.EventsWithReason(EventReasons.Failed).Count);
        await h.AdvanceAsync(Second);
        Assert.Equal(failures + 1, h.EventsWithReason(EventReasons.Failed).Count);
    }

    [Fact]
    public async Task CL_11_ConditionsOnANormalStart()
    {
        await using var h = new ScenarioHarness();
        var pod = await h.RunAsync("""
            metadata: {name: cl11}
            spec:
              containers:
              - name: c
                command: ["sleep", "10000"]
                readinessProbe: {exec: {command: ["true"]}}
            """);
        var history = h.History(pod);
        V1PodCondition Of(V1PodStatus s, string type) => s.Conditions.Single(c => c.Type == type);

        Assert.All(history, s => Assert.Equal("True", Of(s, PodConditions.PodScheduled).Status));
        Assert.All(history, s => Assert.Equal("True", Of(s, PodConditions.Initialized).Status));
        Assert.Equal("False", Of(history[0], PodConditions.PodReadyToStartContainers).Status);
        Assert.Equal(PodConditions.PodSandboxNotReady, Of(history[0], PodConditions.PodReadyToStartContainers).Reason);
        Assert.Equal("True", h.Condition(pod, PodConditions.PodReadyToStartContainers)?.Status);
        foreach (var type in new[] { PodConditions.ContainersReady, PodConditions.Ready })
        {
            // No readiness result yet (the prober is not part of this harness): not ready.
            var condition = h.Condition(pod, type);
            Assert.Equal("False", condition?.Status);
            Assert.Equal(PodConditions.ContainersNotReady, condition?.Reason);
            Assert.Equal("containers with unready status: [c]", condition?.Message);
        }

        // lastTransitionTime moves only when a condition's status flips.
        var scheduledAt = Of(history[0], PodConditions.PodScheduled).LastTransitionTime;
        await h.AdvanceAsync(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
        await h.ExitAsync(pod, "c", 1);
        Assert.Equal(scheduledAt, h.Condition(pod, PodConditions.PodScheduled)?.LastTransitionTime);
        Assert.Equal(Of(history[^1], PodConditions.Ready).LastTransitionTime, h.Condition(pod, PodConditions.Ready)?.LastTransitionTime);
    }

    [Fact]
    public async Task CL_12_TerminationMessageReachesTheTerminatedState()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("c", _ => new FakeBehavior(ExitCode: 3, ExitMessage: "boom"));
        var pod = await h.RunAsync("""
            metadata: {name: cl12}
            spec:
              restartPolicy: Never
              containers:
              - {name: c, command: ["sh", "-c", "echo boom > /dev/termination-log; exit 3"], terminationMessagePolicy: File}
            """);

        var terminated = h.Container(pod, "c").State.Terminated;
        Assert.Equal(3, terminated?.ExitCode);
        Assert.Equal("Error", terminated?.Reason);
        Assert.Equal("boom", terminated?.Message);
    }

    private const string Cl13Pod = """
        metadata: {name: cl13}
        spec:
          terminationGracePeriodSeconds: 10
          containers:
          - {name: c, command: ["sleep", "10000"], lifecycle: {preStop: {exec: {command: ["sleep", "4"]}}}}
        """;

    [Fact]
    public async Task CL_13_GracefulDeletionStopsWithTheGracePeriodAndEndsTerminalBeforeRemoval()
    {
        await using var h = new ScenarioHarness();
        var pod = await h.RunAsync(Cl13Pod);

        await h.DeleteAsync(pod);

        Assert.Equal("Stopping container c", Assert.Single(h.EventsWithReason(EventReasons.Killing)).Message);
        Assert.Contains("Stop c 10s", h.Runtime.Calls);
        Assert.True(h.Sink.IsTerminated(pod.Metadata.Uid));
        Assert.Equal(PodPhases.Failed, h.Sink.PhaseWhenTerminated(pod.Metadata.Uid));
        Assert.Equal(143, h.Container(pod, "c").State.Terminated?.ExitCode);
    }

    [Fact]
    public async Task CL_13_ContainerIgnoringSigtermIsKilledWhenTheGracePeriodEnds()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("c", _ => new FakeBehavior(IgnoresSigterm: true));
        var pod = await h.RunAsync(Cl13Pod);

        h.Agent.DeletePod(pod.Metadata.Uid, null);
        await h.WaitForCallAsync("Stop c 10s");
        h.Time.Advance(TimeSpan.FromSeconds(9));
        Assert.DoesNotContain("Exited c 137", h.Runtime.Calls);
        h.Time.Advance(Second);
        await h.SettleAsync();

        Assert.Contains("Exited c 137", h.Runtime.Calls);
        Assert.Equal(PodPhases.Failed, h.Sink.PhaseWhenTerminated(pod.Metadata.Uid));
        Assert.Equal(["StopPodSandbox", "RemovePodSandbox"], h.Runtime.Calls.Where(c => c.EndsWith("PodSandbox", StringComparison.Ordinal) && c != "RunPodSandbox"));
    }
}
