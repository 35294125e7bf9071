using Podvisor.Core.Model;
using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Run;

/// <summary>scenarios.md CR-01…CR-04 and CR-09 with real processes: per-container restart policies and rules.</summary>
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
