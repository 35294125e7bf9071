using Podvisor.Core;
using Podvisor.Core.Model;
using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Run;

/// <summary>
/// docs/scenarios.md RS-12…RS-15 with real processes: failures while the pod initializes again after RestartAllContainers,
/// a sidecar trigger during initialization, and the kubelet gate turned off.
/// </summary>
public sealed class RestartAllFailureTests : AgentTest
{
    /// <summary>setup: exit 0 on its first run, 3 on its second, 0 from the third on; app: exit 88 once, then sleep.</summary>
    private static string ReinitPod(string name, string restartPolicy) => $$$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: {{{name}}}}
        spec:
          restartPolicy: {{{restartPolicy}}}
          initContainers:
          - name: setup
            image: busybox
            command: ["/bin/sh", "-c", "echo run >> /d/setup-runs; [ $(wc -l < /d/setup-runs) -eq 2 ] && exit 3; exit 0"]
            volumeMounts: [{name: d, mountPath: /d}]
          containers:
          - name: app
            image: busybox
            restartPolicy: Never
            restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [88]}}]
            command: ["/bin/sh", "-c", "[ -f /d/app-ran ] && exec sleep 10000; touch /d/app-ran; exit 88"]
            volumeMounts: [{name: d, mountPath: /d}]
          volumes: [{name: d, emptyDir: {}}]
        """;

    [RootFact]
    public async Task RS_12_ReinitFailureUnderNeverFailsThePod()
    {
        var pod = await RunAsync(ReinitPod("rs-12", "Never"));

        var failed = await pod.WaitForPhaseAsync(PodPhases.Failed);

        Assert.Equal(3, failed.Container("setup").State.Terminated?.ExitCode);
        var condition = failed.Condition(PodConditions.AllContainersRestarting);
        Assert.Equal("False", condition?.Status);
        Assert.Equal(PodConditions.PodFailed, condition?.Reason);
        Assert.Single(pod.StartOrder, n => n == "app");
        Assert.Single(pod.EventsWith(EventReasons.RestartAllContainers));
    }

    [RootFact]
    public async Task RS_13_ReinitFailureUnderAlwaysIsRetriedAndThePodRuns()
    {
        var pod = await RunAsync(ReinitPod("rs-13", "Always"));

        var running = await pod.WaitForAsync(s => s.IsRunning("app") && s.RestartCount("app") == 1, "app Running after the second initialization");

        Assert.Equal(PodPhases.Running, running.Phase);
        Assert.Equal(2, running.RestartCount("setup"));
        Assert.Equal(["setup", "app", "setup", "setup", "app"], pod.StartOrder);
        Assert.Contains(pod.History, s => s.Container("setup").State.Terminated?.ExitCode == 3);
        Assert.Empty(pod.EventsWith(EventReasons.BackOff, "setup"));
    }

    [RootFact]
    public async Task RS_14_SidecarTriggerDuringInitRestartsTheInitSequenceFromTheStart()
    {
        var pod = await RunAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: rs-14}
            spec:
              restartPolicy: Never
              initContainers:
              - name: w
                image: busybox
                restartPolicy: Always
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [9]}}]
                command: ["/bin/sh", "-c", "[ -f /d/w-done ] && exec sleep 10000; until [ -f /d/i2-started ]; do sleep 0.05; done; touch /d/w-done; exit 9"]
                volumeMounts: [{name: d, mountPath: /d}]
              - name: i2
                image: busybox
                command: ["/bin/sh", "-c", "[ -f /d/w-done ] && exit 0; touch /d/i2-started; exec sleep 10000"]
                volumeMounts: [{name: d, mountPath: /d}]
              containers:
              - {name: app, image: busybox, command: ["sleep", "10000"]}
              volumes: [{name: d, emptyDir: {}}]
            """);

        var running = await pod.WaitForRunningAsync(0, "app");

        Assert.Equal(["w", "i2", "w", "i2", "app"], pod.StartOrder);
        Assert.Equal(1, running.RestartCount("w"));
        Assert.Equal(0, running.RestartCount("app"));
    }

    [RootFact]
    public async Task RS_15_RestartAllRuleIsIgnoredWhenTheKubeletGateIsOff()
    {
        var harness = await StartAgentAsync(FeatureGates.Default with { RestartAllContainersOnContainerExits = false });
        var pod = harness.Run("""
            apiVersion: v1
            kind: Pod
            metadata: {name: rs-15}
            spec:
              restartPolicy: Never
              containers:
              - name: c
                image: busybox
                restartPolicy: Never
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
                command: ["/bin/sh", "-c", "exit 42"]
            """);

        var failed = await pod.WaitForPhaseAsync(PodPhases.Failed);

        Assert.Equal(0, failed.RestartCount("c"));
        Assert.Equal(42, failed.Container("c").State.Terminated?.ExitCode);
        Assert.All(pod.History, s => Assert.Null(s.Condition(PodConditions.AllContainersRestarting)));
        Assert.Empty(pod.EventsWith(EventReasons.RestartAllContainers));
    }
}
