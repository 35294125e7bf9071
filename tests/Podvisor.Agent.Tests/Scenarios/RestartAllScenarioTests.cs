using k8s.Models;
using Podvisor.Agent.Tests.Support;
using Podvisor.Core.Model;

namespace Podvisor.Agent.Tests.Scenarios;

/// <summary>RestartAllContainers scenarios (docs/scenarios.md RS) through the real agent on the fake runtime.</summary>
public sealed partial class RestartAllScenarioTests
{
    private static readonly string[] Rs01Containers = ["init", "sidecar", "source-container", "regular"];

    private const string Rs01Pod = """
        metadata: {name: rs01}
        spec:
          restartPolicy: Never
          initContainers:
          - {name: init, image: busybox, command: ["true"]}
          - {name: sidecar, image: busybox, command: ["sleep", "10000"], restartPolicy: Always}
          containers:
          - name: source-container
            image: busybox
            command: ["sleep", "10000"]
            restartPolicy: Never
            restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
            volumeMounts: [{name: workdir, mountPath: /mnt}]
          - {name: regular, image: busybox, command: ["sleep", "10000"]}
          volumes: [{name: workdir, emptyDir: {}}]
        """;

    private static async Task<(ScenarioHarness H, V1Pod Pod)> RunRs01Async(Func<int, FakeBehavior>? init = null)
    {
        var h = new ScenarioHarness();
        h.Runtime.Script("init", init ?? (_ => FakeBehavior.ExitWith(0)));
        return (h, await h.RunAsync(Rs01Pod));
    }

    private static bool IsRestarting(V1PodStatus s) =>
        s.Conditions?.Any(c => c.Type == PodConditions.AllContainersRestarting && c.Status == "True") == true;

    [Fact]
    public async Task RS_01_RegularContainerExitRestartsEveryContainerInPlace()
    {
        var (h, pod) = await RunRs01Async();
        await using var _ = h;
        Assert.Equal(PodPhases.Running, h.Status(pod).Phase);
        var ip = h.Status(pod).PodIP;

        await h.ExitAsync(pod, "source-container", 42);

        foreach (var name in Rs01Containers)
        {
            Assert.Equal(1, h.Container(pod, name).RestartCount);
        }

        Assert.NotNull(h.Container(pod, "source-container").State.Running);
        Assert.NotNull(h.Container(pod, "regular").State.Running);
        Assert.Equal("Completed", h.Container(pod, "init").State.Terminated?.Reason);
        Assert.Equal(2, h.Runtime.StartCount("init"));
        Assert.Equal("False", h.Condition(pod, PodConditions.AllContainersRestarting)?.Status);
        var evt = Assert.Single(h.EventsWithReason(EventReasons.RestartAllContainers));
        Assert.Equal("container \"source-container\" exited with code 42 matching restartPolicyRules[0]; restarting all containers in place", evt.Message);
        Assert.Equal("Normal", evt.Type);
        Assert.Equal(PodPhases.Running, h.Status(pod).Phase);

        // docs/lifecycle.md §D13: the same sandbox (IP, network namespace, emptyDir volumes) carries the pod through the cycle.
        Assert.Equal(ip, h.Status(pod).PodIP);
        Assert.Equal(1, h.Runtime.Calls.Count(c => c == "RunPodSandbox"));
        Assert.DoesNotContain(h.Runtime.Calls, c => c is "StopPodSandbox" or "RemovePodSandbox");
        Assert.All(h.History(pod).Skip(1), s => Assert.Equal(ip, s.PodIP));
    }

    [Fact]
    public async Task RS_02_SidecarExitRestartsEveryContainer()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("init", _ => FakeBehavior.ExitWith(0));
        var pod = await h.RunAsync("""
            metadata: {name: rs02}
            spec:
              restartPolicy: Never
              initContainers:
              - {name: init, command: ["true"]}
              - {name: sidecar, command: ["sleep", "10000"], restartPolicy: Always}
              - name: source-sidecar
                command: ["sh", "-c", "sleep 30; exit 42"]
                restartPolicy: Always
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
              containers:
              - {name: regular, command: ["sleep", "10000"]}
            """);
        await h.AdvanceAsync(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));

        await h.ExitAsync(pod, "source-sidecar", 42);

        foreach (var name in new[] { "init", "sidecar", "source-sidecar", "regular" })
        {
            Assert.Equal(1, h.Container(pod, name).RestartCount);
        }

        Assert.NotNull(h.Container(pod, "regular").State.Running);
        Assert.NotNull(h.Container(pod, "source-sidecar").State.Running);
        Assert.Equal(
            "container \"source-sidecar\" exited with code 42 matching restartPolicyRules[0]; restarting all containers in place",
            Assert.Single(h.EventsWithReason(EventReasons.RestartAllContainers)).Message);
    }

    [Fact]
    public async Task RS_03_InitContainerExitRestartsInitAndSidecarsOnly()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("init", _ => FakeBehavior.ExitWith(0));
        h.Runtime.Script("source-init", n => FakeBehavior.ExitWith(n == 0 ? 42 : 0));
        var pod = await h.RunAsync("""
            metadata: {name: rs03}
            spec:
              restartPolicy: Never
              initContainers:
              - {name: sidecar, command: ["sleep", "10000"], restartPolicy: Always}
              - {name: init, command: ["true"]}
              - name: source-init
                command: ["sh", "-c", "exit 42"]
                restartPolicy: Never
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
              containers:
              - {name: regular, command: ["sleep", "10000"]}
            """);

        Assert.Equal(["sidecar", "init", "source-init", "sidecar", "init", "source-init", "regular"], h.Started());
        Assert.Equal(1, h.Container(pod, "sidecar").RestartCount);
        Assert.Equal(1, h.Container(pod, "init").RestartCount);
        Assert.Equal(1, h.Container(pod, "source-init").RestartCount);
        Assert.Equal(0, h.Container(pod, "regular").RestartCount);
        Assert.NotNull(h.Container(pod, "regular").State.Running);
        Assert.Equal(PodPhases.Running, h.Status(pod).Phase);
    }

    [Theory]
    [InlineData("[42]")]
    [InlineData("[42, 143]")] // the cleanup's own kill (143) matches too: still one cycle (docs/lifecycle.md §6.8)
    public async Task RS_04_SeveralContainersWithTheRuleRestartOnceWithoutLoop(string regularCodes)
    {
        await using var h = new ScenarioHarness();
        var pod = await h.RunAsync($$$"""
            metadata: {name: rs04}
            spec:
              restartPolicy: Never
              containers:
              - name: source-container
                command: ["sh", "-c", "sleep 10; exit 42"]
                restartPolicy: Never
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
              - name: regular
                command: ["sleep", "10000"]
                restartPolicy: Never
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: {{{regularCodes}}}}}]
            """);
        await h.AdvanceAsync(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));

        await h.ExitAsync(pod, "source-container", 42);

        Assert.Single(h.EventsWithReason(EventReasons.RestartAllContainers));
        var history = h.History(pod);
        Assert.Single(history.Where((s, i) => IsRestarting(s) && (i == 0 || !IsRestarting(history[i - 1]))));
        Assert.Contains("Exited regular 143", h.Runtime.Calls);
        foreach (var name in new[] { "source-container", "regular" })
        {
            Assert.Equal(1, h.Container(pod, name).RestartCount);
            Assert.NotNull(h.Container(pod, name).State.Running);
            Assert.Equal(2, h.Runtime.StartCount(name));
        }
    }

    [Fact]
    public async Task RS_05_ContainerRestartedByItsOwnPolicyThenTriggersRestartAll()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("source-container", n => n switch
        {
            0 => FakeBehavior.ExitWith(1),
            1 => FakeBehavior.ExitWith(42),
            _ => FakeBehavior.Run,
        });
        var pod = await h.RunAsync("""
            metadata: {name: rs05}
            spec:
              containers:
              - name: source-container
                command: ["sh", "-c", "exit 1"]
                restartPolicy: Always
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
              - {name: regular, command: ["sleep", "10000"]}
            """);

        Assert.Equal(2, h.Container(pod, "source-container").RestartCount);
        Assert.Equal(1, h.Container(pod, "regular").RestartCount);
        Assert.NotNull(h.Container(pod, "source-container").State.Running);
        Assert.NotNull(h.Container(pod, "regular").State.Running);
        Assert.Contains("exited with code 42", Assert.Single(h.EventsWithReason(EventReasons.RestartAllContainers)).Message);
    }

    private const string Rs08Pod = """
        metadata: {name: rs08}
        spec:
          restartPolicy: Never
          containers:
          - {name: container1, command: ["sleep", "10000"]}
          - name: trigger
            command: ["sleep", "10000"]
            restartPolicy: Never
            restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
        """;

    [Fact]
    public async Task RS_08_ConditionIsFalseWhilePendingTrueOnTriggerAndFalseOnceCleanedUp()
    {
        await using var h = new ScenarioHarness();
        var pod = await h.RunAsync(Rs08Pod);
        var pending = h.History(pod)[0].Conditions.Single(c => c.Type == PodConditions.AllContainersRestarting);
        Assert.Equal(PodPhases.Pending, h.History(pod)[0].Phase);
        Assert.Equal("False", pending.Status);
        Assert.Null(pending.Reason);
        var mark = h.History(pod).Count;

        await h.ExitAsync(pod, "trigger", 42);

        var cycle = h.History(pod).Skip(mark).ToList();
        var trigger = cycle.First(IsRestarting).Conditions.Single(c => c.Type == PodConditions.AllContainersRestarting);
        Assert.Equal(PodConditions.RestartAllContainersStarted, trigger.Reason);
        Assert.Equal(PodConditions.RestartAllContainersMessage, trigger.Message);
        Assert.Equal(PodPhases.Running, cycle.First(IsRestarting).Phase);
        var cleanedUp = h.Condition(pod, PodConditions.AllContainersRestarting);
        Assert.Equal("False", cleanedUp?.Status);
        Assert.Null(cleanedUp?.Reason);
        Assert.Null(cleanedUp?.Message);
    }

    [Theory]
    [InlineData(0, PodPhases.Succeeded, PodConditions.PodCompleted)]
    [InlineData(1, PodPhases.Failed, PodConditions.PodFailed)]
    public async Task RS_08_ConditionOfATerminalPodIsFalseWithItsPhaseReason(int exitCode, string phase, string reason)
    {
        await using var h = new ScenarioHarness();
        var pod = await h.RunAsync(Rs08Pod);

        await h.ExitAsync(pod, "trigger", exitCode);
        await h.ExitAsync(pod, "container1", exitCode);

        Assert.Equal(phase, h.Status(pod).Phase);
        var condition = h.Condition(pod, PodConditions.AllContainersRestarting);
        Assert.Equal("False", condition?.Status);
        Assert.Equal(reason, condition?.Reason);
        Assert.DoesNotContain(h.History(pod), IsRestarting);
    }

    [Fact]
    public async Task RS_09_RemovalOrderKillsRunningTargetsFirstAndRemovesTheSourceLast()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("init-1", _ => FakeBehavior.ExitWith(0));
        h.Runtime.Script("init-2", _ => FakeBehavior.ExitWith(0));
        var pod = await h.RunAsync("""
            metadata: {name: rs09}
            spec:
              initContainers:
              - {name: init-1, command: ["true"]}
              - {name: init-2, command: ["true"]}
              - name: restartable-init-3
                command: ["sleep", "10000"]
                restartPolicy: Always
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
              containers:
              - {name: foo1, command: ["sleep", "10000"]}
            """);
        var mark = h.Runtime.Calls.Count;

        await h.ExitAsync(pod, "restartable-init-3", 42);

        var cleanup = h.CallsSince(mark).TakeWhile(c => !c.StartsWith("Create ", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            ["Exited restartable-init-3 42", "Stop foo1 2s", "Exited foo1 143", "Remove foo1", "Remove init-2", "Remove init-1", "Remove restartable-init-3"],
            cleanup);
        Assert.Equal(["init-1", "init-2", "restartable-init-3", "foo1"], h.Started(mark));
        Assert.Equal(1, h.Runtime.Calls.Count(c => c == "RunPodSandbox"));
    }

    [Fact]
    public async Task RS_10_CleanupSkipsPreStopAndKillsStubbornContainersInParallelAfterTwoSeconds()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("regular", _ => new FakeBehavior(IgnoresSigterm: true));
        h.Runtime.Script("regular-2", _ => new FakeBehavior(IgnoresSigterm: true));
        var pod = await h.RunAsync("""
            metadata: {name: rs10}
            spec:
              restartPolicy: Never
              terminationGracePeriodSeconds: 120
              containers:
              - name: source
                command: ["sleep", "10000"]
                restartPolicy: Never
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
              - name: regular
                command: ["sleep", "10000"]
                lifecycle: {preStop: {exec: {command: ["sh", "-c", "echo hi > /shared/prestop; sleep 100"]}}}
              - {name: regular-2, command: ["sleep", "10000"]}
            """);
        var started = h.Time.GetUtcNow();

        h.Runtime.Exit(pod.Metadata.Uid, "source", 42);
        await h.Runtime.WaitForCallsAsync(c => c.Contains("Stop regular 2s") && c.Contains("Stop regular-2 2s"));
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(h.Runtime.Calls, c => c.StartsWith("Exited regular", StringComparison.Ordinal));
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.SettleAsync();

        // docs/lifecycle.md §D8: both stops were issued before either ended, with the 2 s minimum instead of the 120 s grace, no preStop.
        var calls = h.Runtime.Calls;
        var lastStop = Math.Max(calls.ToList().IndexOf("Stop regular 2s"), calls.ToList().IndexOf("Stop regular-2 2s"));
        Assert.True(lastStop < calls.ToList().IndexOf("Exited regular 137"));
        Assert.True(lastStop < calls.ToList().IndexOf("Exited regular-2 137"));
        Assert.DoesNotContain(calls, c => c.StartsWith("Exec ", StringComparison.Ordinal) || c.EndsWith("120s", StringComparison.Ordinal));
        var killing = h.EventsWithReason(EventReasons.Killing);
        Assert.Equal(["regular", "regular-2"], killing.Select(e => e.InvolvedObject.FieldPath["spec.containers{".Length..^1]).Order());
        Assert.All(killing, e => Assert.StartsWith($"Container {e.InvolvedObject.FieldPath["spec.containers{".Length..^1]} will be restarted in place: container \"", e.Message, StringComparison.Ordinal));
        Assert.All(killing, e => Assert.Equal("Normal", e.Type));

        Assert.Equal(TimeSpan.FromSeconds(2), h.Time.GetUtcNow() - started);
        foreach (var name in new[] { "source", "regular", "regular-2" })
        {
            Assert.NotNull(h.Container(pod, name).State.Running);
            Assert.Equal(1, h.Container(pod, name).RestartCount);
        }
    }
}
