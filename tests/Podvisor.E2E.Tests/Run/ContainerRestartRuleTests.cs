using Podvisor.Core.Model;
using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Run;

/// <summary>docs/scenarios.md CR-01…CR-09 with real processes: per-container restart policies and rules.</summary>
public sealed class ContainerRestartRuleTests : AgentTest
{
    private static string SingleContainerPod(string name, string podPolicy, string containerPolicy, string rules, int exitCode) => $$$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: {{{name}}}}
        spec:
          restartPolicy: {{{podPolicy}}}
          containers:
          - name: main-container
            image: busybox
            command: ["/bin/sh", "-c", "exit {{{exitCode}}}"]
            restartPolicy: {{{containerPolicy}}}
            {{{rules}}}
        """;

    private const string RestartOn42 = "restartPolicyRules: [{action: Restart, exitCodes: {operator: In, values: [42]}}]";

    [RootFact]
    public async Task CR_01_RuleMatchRestartsDespitePodNever_AndCrashLoopsWhileRunning_CR_10()
    {
        var pod = await RunAsync(SingleContainerPod("cr-01", "Never", "Never", RestartOn42, 42));

        var backingOff = await pod.WaitForAsync(s => s.RestartCount("main-container") >= 1 && s.Container("main-container").State.Waiting?.Reason == ContainerReasons.CrashLoopBackOff,
            "main-container restarted and then in CrashLoopBackOff");

        Assert.Equal(42, backingOff.Container("main-container").LastState?.Terminated?.ExitCode);
        Assert.StartsWith("back-off 10s restarting failed container=main-container pod=cr-01_default(", backingOff.Container("main-container").State.Waiting.Message);
        Assert.Equal(PodPhases.Running, backingOff.Phase);
        Assert.DoesNotContain(pod.History, s => PodPhases.IsTerminal(s.Phase));
        Assert.Contains(pod.EventsWith(EventReasons.BackOff, "main-container"), e => e.Message.StartsWith("Back-off restarting failed container main-container in pod cr-01_default(", StringComparison.Ordinal));
    }

    [RootFact]
    public async Task CR_02_RuleMismatchUnderNeverFailsWithoutRestart()
    {
        var pod = await RunAsync(SingleContainerPod("cr-02", "Never", "Never", RestartOn42, 1));

        var failed = await pod.WaitForPhaseAsync(PodPhases.Failed);

        Assert.Equal(0, failed.RestartCount("main-container"));
        Assert.Equal(1, failed.Container("main-container").State.Terminated?.ExitCode);
        Assert.Equal(ContainerReasons.Error, failed.Container("main-container").State.Terminated?.Reason);
    }

    [RootFact]
    public async Task CR_03_ContainerNeverOverridesPodAlways()
    {
        var pod = await RunAsync(SingleContainerPod("cr-03", "Always", "Never", "", 1));

        var failed = await pod.WaitForPhaseAsync(PodPhases.Failed);

        Assert.Equal(0, failed.RestartCount("main-container"));
        Assert.Single(pod.StartOrder);
    }

    [RootFact]
    public async Task CR_04_ContainerAlwaysOverridesPodNever()
    {
        var pod = await RunAsync(SingleContainerPod("cr-04", "Never", "Always", "", 1));

        var restarted = await pod.WaitForAsync(s => s.RestartCount("main-container") >= 1, "main-container restarted");

        Assert.Equal(PodPhases.Running, restarted.Phase);
        Assert.DoesNotContain(pod.History, s => PodPhases.IsTerminal(s.Phase));
    }

    [RootFact]
    public async Task CR_05_PodAlwaysWithoutContainerPolicyRestarts()
    {
        var pod = await RunAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: cr-05}
            spec:
              restartPolicy: Always
              containers: [{name: main-container, image: busybox, command: ["/bin/sh", "-c", "exit 1"]}]
            """);

        var restarted = await pod.WaitForAsync(s => s.RestartCount("main-container") >= 1, "main-container restarted");

        Assert.Equal(PodPhases.Running, restarted.Phase);
    }

    /// <summary>CR-06's pod; the container exits 7 on its first run (matching rule 0) and then <paramref name="exitCode"/>.</summary>
    private static string FirstRuleWinsPod(int exitCode) => $$$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: cr-06}
        spec:
          restartPolicy: Never
          containers:
          - name: c
            image: busybox
            restartPolicy: Never
            restartPolicyRules:
            - {action: Restart, exitCodes: {operator: NotIn, values: [0, 3]}}
            - {action: RestartAllContainers, exitCodes: {operator: In, values: [7]}}
            command: ["/bin/sh", "-c", "[ -f /d/ran ] && exit {{{exitCode}}}; touch /d/ran; exit 7"]
            volumeMounts: [{name: d, mountPath: /d}]
          - {name: other, image: busybox, command: ["/bin/sh", "-c", "exit 0"]}
          volumes: [{name: d, emptyDir: {}}]
        """;

    [RootTheory]
    [InlineData(3, PodPhases.Failed)]
    [InlineData(0, PodPhases.Succeeded)]
    public async Task CR_06_FirstMatchingRuleWins(int secondExitCode, string phase)
    {
        var pod = await RunAsync(FirstRuleWinsPod(secondExitCode));

        var terminal = await pod.WaitForAsync(s => PodPhases.IsTerminal(s.Phase), "a terminal phase");

        Assert.Equal(phase, terminal.Phase);
        Assert.Equal(1, terminal.RestartCount("c"));
        Assert.Equal(0, terminal.RestartCount("other"));
        Assert.Empty(pod.EventsWith(EventReasons.RestartAllContainers));
        Assert.DoesNotContain(pod.History, s => s.ConditionIs(PodConditions.AllContainersRestarting, "True"));
    }

    [RootFact]
    public async Task CR_07_NotInAnEmptySetRestartsEveryExitIncludingZero()
    {
        var pod = await RunAsync(SingleContainerPod("cr-07", "Never", "Never",
            "restartPolicyRules: [{action: Restart, exitCodes: {operator: NotIn, values: []}}]", 0));

        var restarted = await pod.WaitForAsync(s => s.RestartCount("main-container") >= 1, "main-container restarted after exit 0");

        Assert.Equal(PodPhases.Running, restarted.Phase);
    }

    [RootFact]
    public async Task CR_08_RulesComeBeforeOnFailure()
    {
        var pod = await RunAsync(SingleContainerPod("cr-08", "OnFailure", "OnFailure",
            "restartPolicyRules: [{action: Restart, exitCodes: {operator: In, values: [0]}}]", 0));

        var restarted = await pod.WaitForAsync(s => s.RestartCount("main-container") >= 1, "main-container restarted after exit 0");

        Assert.Equal(PodPhases.Running, restarted.Phase);
    }

    private static string InitRetryPod(string name, int secondExitCode) => $$$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: {{{name}}}}
        spec:
          restartPolicy: Never
          initContainers:
          - name: init
            image: busybox
            command: ["/bin/sh", "-c", "[ -f /d/x ] && exit 0; touch /d/x; exit {{{secondExitCode}}}"]
            restartPolicy: Never
            restartPolicyRules: [{action: Restart, exitCodes: {operator: In, values: [5]}}]
            volumeMounts: [{name: d, mountPath: /d}]
          containers: [{name: app, image: busybox, command: ["sleep", "3600"]}]
          volumes: [{name: d, emptyDir: {}}]
        """;

    [RootFact]
    public async Task CR_09_InitContainerRetriedByARuleUnderPodNever()
    {
        var pod = await RunAsync(InitRetryPod("cr-09", 5));

        var running = await pod.WaitForRunningAsync(0, "app");

        Assert.Equal(1, running.RestartCount("init"));
        Assert.Equal(0, running.Container("init").State.Terminated?.ExitCode);
        Assert.Equal("True", running.Condition(PodConditions.Initialized)?.Status);
        Assert.Equal(PodPhases.Running, running.Phase);
        Assert.All(pod.History.TakeWhile(s => s.Of("app")?.State?.Running is null), s => Assert.Equal(PodPhases.Pending, s.Phase));
        Assert.Equal(["init", "init", "app"], pod.StartOrder);
    }

    [RootFact]
    public async Task CR_09_InitContainerExitMatchingNoRuleFailsThePod()
    {
        var pod = await RunAsync(InitRetryPod("cr-09-nomatch", 6));

        var failed = await pod.WaitForPhaseAsync(PodPhases.Failed);

        var initialized = failed.Condition(PodConditions.Initialized);
        Assert.Equal("False", initialized?.Status);
        Assert.Equal(PodConditions.ContainersNotInitialized, initialized?.Reason);
        Assert.Equal(0, failed.RestartCount("init"));
        Assert.DoesNotContain("app", pod.StartOrder);
    }
}
