using Podvisor.Agent.Tests.Support;
using Podvisor.Core.Model;

namespace Podvisor.Agent.Tests.Scenarios;

/// <summary>Container restart rule scenarios (docs/scenarios.md CR, KEP-5307) through the real agent on the fake runtime.</summary>
public sealed class ContainerRestartRuleScenarioTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    /// <summary>A pod with one container <c>c</c> (or the given name) that exits by script; policies and rules as given.</summary>
    private static string SingleContainerPod(string podPolicy, string? containerPolicy, string? rules = null, string name = "c") => $$"""
        metadata: {name: cr}
        spec:
          restartPolicy: {{podPolicy}}
          containers:
          - name: {{name}}
            command: ["/bin/sh", "-c", "exit 1"]
            {{(containerPolicy is null ? "" : "restartPolicy: " + containerPolicy)}}
            {{(rules is null ? "" : "restartPolicyRules: " + rules)}}
        """;

    private static string RestartIn(params int[] codes) => $"[{{action: Restart, exitCodes: {{operator: In, values: [{string.Join(", ", codes)}]}}}}]";

    [Fact]
    public async Task CR_01_RuleMatchRestartsDespitePodNeverFollowingCrashLoopBackOff()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("main-container", _ => FakeBehavior.ExitWith(42));
        var pod = await h.RunAsync(SingleContainerPod("Never", "Never", RestartIn(42), "main-container"));

        // The first restart is immediate, then 10 s, 20 s from finishedAt.
        Assert.Equal(2, h.Runtime.StartCount("main-container"));
        Assert.Equal(1, h.Container(pod, "main-container").RestartCount);
        await h.AdvanceAsync(TimeSpan.FromSeconds(9));
        Assert.Equal(2, h.Runtime.StartCount("main-container"));
        await h.AdvanceAsync(Second);
        Assert.Equal(3, h.Runtime.StartCount("main-container"));
        await h.AdvanceAsync(TimeSpan.FromSeconds(19));
        Assert.Equal(3, h.Runtime.StartCount("main-container"));
        await h.AdvanceAsync(Second);
        Assert.Equal(4, h.Runtime.StartCount("main-container"));

        Assert.Equal(3, h.Container(pod, "main-container").RestartCount);
        Assert.Equal(PodPhases.Running, h.Status(pod).Phase);
        Assert.DoesNotContain(h.History(pod), s => s.Phase == PodPhases.Failed);
    }

    [Fact]
    public async Task CR_02_RuleMismatchUnderContainerNeverFailsThePod()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("main-container", _ => FakeBehavior.ExitWith(1));
        var pod = await h.RunAsync(SingleContainerPod("Never", "Never", RestartIn(42), "main-container"));

        Assert.Equal(PodPhases.Failed, h.Status(pod).Phase);
        var status = h.Container(pod, "main-container");
        Assert.Equal(0, status.RestartCount);
        Assert.Equal(1, status.State.Terminated?.ExitCode);
        Assert.Equal("Error", status.State.Terminated?.Reason);
        Assert.Equal(1, h.Runtime.StartCount("main-container"));
    }

    [Fact]
    public async Task CR_03_ContainerNeverOverridesPodAlways()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("c", _ => FakeBehavior.ExitWith(1));
        var pod = await h.RunAsync(SingleContainerPod("Always", "Never"));

        Assert.Equal(PodPhases.Failed, h.Status(pod).Phase);
        Assert.Equal(0, h.Container(pod, "c").RestartCount);
        Assert.Equal(1, h.Runtime.StartCount("c"));
    }

    [Theory]
    [InlineData("Never", "Always")] // CR-04: container-level Always overrides pod Never
    [InlineData("Always", null)] // CR-05: pod Always without a container policy
    public async Task CR_04_CR_05_RestartablePolicyRestartsAndKeepsThePodRunning(string podPolicy, string? containerPolicy)
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("c", _ => FakeBehavior.ExitWith(1));
        var pod = await h.RunAsync(SingleContainerPod(podPolicy, containerPolicy));

        Assert.True(h.Container(pod, "c").RestartCount > 0);
        Assert.Equal(PodPhases.Running, h.Status(pod).Phase);
        Assert.Equal(ContainerReasons.CrashLoopBackOff, h.Container(pod, "c").State.Waiting?.Reason);
    }

    [Theory]
    [InlineData(3, PodPhases.Failed)]
    [InlineData(0, PodPhases.Succeeded)]
    public async Task CR_06_FirstMatchingRuleWins(int secondExit, string phase)
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("c", n => FakeBehavior.ExitWith(n == 0 ? 7 : secondExit));
        var pod = await h.RunAsync(SingleContainerPod("Never", "Never", """
            [{action: Restart, exitCodes: {operator: NotIn, values: [0, 3]}}, {action: RestartAllContainers, exitCodes: {operator: In, values: [7]}}]
            """));

        // Exit 7 matches rule 0 (NotIn): only this container restarts, in place, no RestartAll cycle.
        Assert.Equal(2, h.Runtime.StartCount("c"));
        Assert.Equal(1, h.Container(pod, "c").RestartCount);
        Assert.DoesNotContain(h.Runtime.Calls, c => c.StartsWith("Remove ", StringComparison.Ordinal) && !c.EndsWith('c'));
        Assert.Empty(h.EventsWithReason(EventReasons.RestartAllContainers));
        Assert.DoesNotContain(h.History(pod), s => s.Conditions?.Any(c => c.Type == PodConditions.AllContainersRestarting && c.Status == "True") == true);

        // Exit 3 or 0 matches no rule: the container policy Never decides.
        Assert.Equal(phase, h.Status(pod).Phase);
        Assert.Equal(secondExit, h.Container(pod, "c").State.Terminated?.ExitCode);
    }

    [Fact]
    public async Task CR_07_NotInEmptySetRestartsEveryExitIncludingZero()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("c", _ => FakeBehavior.ExitWith(0));
        var pod = await h.RunAsync(SingleContainerPod("Never", "Never", "[{action: Restart, exitCodes: {operator: NotIn, values: []}}]"));

        Assert.Equal(2, h.Runtime.StartCount("c"));
        await h.AdvanceAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, h.Runtime.StartCount("c"));
        Assert.Equal(2, h.Container(pod, "c").RestartCount);
        Assert.Equal(PodPhases.Running, h.Status(pod).Phase);
    }

    [Fact]
    public async Task CR_08_RuleMatchingZeroIsCheckedBeforeOnFailure()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("c", _ => FakeBehavior.ExitWith(0));
        var pod = await h.RunAsync(SingleContainerPod("OnFailure", "OnFailure", RestartIn(0)));

        Assert.Equal(2, h.Runtime.StartCount("c"));
        Assert.Equal(1, h.Container(pod, "c").RestartCount);
        Assert.Equal(PodPhases.Running, h.Status(pod).Phase);
    }

    private const string Cr09Pod = """
        metadata: {name: cr09}
        spec:
          restartPolicy: Never
          initContainers:
          - name: init
            command: ["sh", "-c", "[ -f /d/x ] && exit 0; touch /d/x; exit 5"]
            restartPolicy: Never
            restartPolicyRules: [{action: Restart, exitCodes: {operator: In, values: [5]}}]
            volumeMounts: [{name: d, mountPath: /d}]
          containers:
          - {name: app, command: ["sleep", "3600"]}
          volumes: [{name: d, emptyDir: {}}]
        """;

    [Fact]
    public async Task CR_09_RegularInitContainerRetriedByRuleUnderPodNever()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("init", n => FakeBehavior.ExitWith(n == 0 ? 5 : 0));
        var pod = await h.RunAsync(Cr09Pod);

        Assert.Equal(["init", "init", "app"], h.Started());
        var init = h.Container(pod, "init");
        Assert.Equal(1, init.RestartCount);
        Assert.Equal(0, init.State.Terminated?.ExitCode);
        Assert.Equal("Completed", init.State.Terminated?.Reason);
        Assert.Equal("True", h.Condition(pod, PodConditions.Initialized)?.Status);
        Assert.NotNull(h.Container(pod, "app").State.Running);
        Assert.Equal(PodPhases.Running, h.Status(pod).Phase);

        // Pending until app runs, then Running.
        var history = h.History(pod);
        var firstRunning = history.ToList().FindIndex(s => s.ContainerStatuses?.Any(c => c.Name == "app" && c.State.Running is not null) == true);
        Assert.All(history.Take(firstRunning), s => Assert.Equal(PodPhases.Pending, s.Phase));
        Assert.All(history.Skip(firstRunning), s => Assert.Equal(PodPhases.Running, s.Phase));
    }

    [Fact]
    public async Task CR_09_InitExitMatchingNoRuleFailsThePodUninitialized()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("init", _ => FakeBehavior.ExitWith(6));
        var pod = await h.RunAsync(Cr09Pod);

        Assert.Equal(PodPhases.Failed, h.Status(pod).Phase);
        var initialized = h.Condition(pod, PodConditions.Initialized);
        Assert.Equal("False", initialized?.Status);
        Assert.Equal(PodConditions.ContainersNotInitialized, initialized?.Reason);
        Assert.Equal(0, h.Runtime.StartCount("app"));
        Assert.Equal(ContainerReasons.PodInitializing, h.Container(pod, "app").State.Waiting?.Reason);
        Assert.Equal(6, h.Container(pod, "init").State.Terminated?.ExitCode);
    }

    [Fact]
    public async Task CR_10_RuleRestartedContainerKeepsNeverPodRunningInCrashLoopBackOff()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("c", _ => FakeBehavior.ExitWith(42));
        var pod = await h.RunAsync(SingleContainerPod("Never", "Never", RestartIn(42)));

        for (var wait = 10; wait <= 40; wait *= 2)
        {
            var c = h.Container(pod, "c");
            Assert.Equal(ContainerReasons.CrashLoopBackOff, c.State.Waiting?.Reason);
            Assert.Equal($"back-off {wait}s restarting failed container=c pod=cr_default({pod.Metadata.Uid})", c.State.Waiting?.Message);
            Assert.Equal(42, c.LastState.Terminated?.ExitCode);
            await h.AdvanceAsync(TimeSpan.FromSeconds(wait));
        }

        Assert.All(h.History(pod).Skip(1), s => Assert.Equal(PodPhases.Running, s.Phase));
    }

    /// <summary>
    /// CR-13 without a Job controller: the in-place rule restarts never make the pod Failed (so a podFailurePolicy on
    /// exit 42 is never evaluated), and the pod Succeeds once the container exits 0.
    /// </summary>
    [Fact]
    public async Task CR_13_RuleRestartsNeverFailThePodAndExitZeroSucceeds()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("c", n => FakeBehavior.ExitWith(n < 2 ? 42 : 0));
        var pod = await h.RunAsync(SingleContainerPod("Never", "Never", RestartIn(42)));
        Assert.Equal(PodPhases.Running, h.Status(pod).Phase);

        await h.AdvanceAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(3, h.Runtime.StartCount("c"));
        Assert.Equal(PodPhases.Succeeded, h.Status(pod).Phase);
        Assert.Equal(2, h.Container(pod, "c").RestartCount);
        Assert.DoesNotContain(h.History(pod), s => s.Phase == PodPhases.Failed);
    }

    /// <summary>Not a scenario of its own: the container events of a rule restart carry the exact upstream texts.</summary>
    [Fact]
    public async Task CR_01_RuleRestartRecordsCreatedStartedAndBackOffEvents()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("c", _ => FakeBehavior.ExitWith(42));
        var pod = await h.RunAsync(SingleContainerPod("Never", "Never", RestartIn(42)));

        Assert.Equal("Created container: c", h.EventsWithReason(EventReasons.Created)[0].Message);
        Assert.Equal("Started container c", h.EventsWithReason(EventReasons.Started)[0].Message);
        var backOff = h.EventsWithReason(EventReasons.BackOff)[0];
        Assert.Equal("Warning", backOff.Type);
        Assert.Equal($"Back-off restarting failed container c in pod cr_default({pod.Metadata.Uid})", backOff.Message);
        Assert.Equal("spec.containers{c}", backOff.InvolvedObject.FieldPath);
    }
}
