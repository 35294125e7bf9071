using Podvisor.Core.Model;
using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Run;

/// <summary>
/// docs/scenarios.md RS-01…RS-05, RS-16, RS-17 with real processes: which containers an in-place RestartAllContainers
/// restarts, in which order they come back, and what the status says meanwhile. Where a scenario waits (sleep 10 s
/// before the trigger), the pod here waits for a flag file in its emptyDir instead: no timing, same outcome.
/// </summary>
public sealed class RestartAllScenarioTests : AgentTest
{
    /// <summary>RS-01's pod: the source exits 42 once (flag in the emptyDir), then sleeps.</summary>
    private const string Rs01Pod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: rs-01}
        spec:
          restartPolicy: Never
          initContainers:
          - {name: init, image: busybox, command: ["/bin/sh", "-c", "exit 0"]}
          - {name: sidecar, image: busybox, command: ["/bin/sh", "-c", "sleep 10000"], restartPolicy: Always}
          containers:
          - name: source-container
            image: busybox
            command: ["/bin/sh", "-c", "until [ -f /mnt/regular-started ]; do sleep 0.05; done; if [ -f /mnt/restart-complete ]; then exec sleep 10000; else touch /mnt/restart-complete; exit 42; fi"]
            restartPolicy: Never
            restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
            volumeMounts: [{name: workdir, mountPath: /mnt}]
          - {name: regular, image: busybox, command: ["/bin/sh", "-c", "touch /mnt/regular-started; exec sleep 10000"], volumeMounts: [{name: workdir, mountPath: /mnt}]}
          volumes: [{name: workdir, emptyDir: {}}]
        """;

    private static readonly string[] Rs01Containers = ["init", "sidecar", "source-container", "regular"];

    private static Task<k8s.Models.V1PodStatus> Rs01RestartedAsync(TestPod pod) =>
        pod.WaitForAsync(s => Rs01Containers.All(c => s.RestartCount(c) >= 1) && s.IsRunning("sidecar") && s.IsRunning("source-container") && s.IsRunning("regular"),
            "every container restarted once, sidecar and regular containers Running again");

    [RootFact]
    public async Task RS_01_RegularContainerExitRestartsEveryContainerInPlace()
    {
        var pod = await RunAsync(Rs01Pod);
        var before = await pod.WaitForRunningAsync(0, "sidecar", "regular");

        var after = await Rs01RestartedAsync(pod);

        Assert.All(Rs01Containers, c => Assert.Equal(1, after.RestartCount(c)));
        Assert.Equal(0, after.Container("init").State.Terminated?.ExitCode);
        Assert.True(File.Exists(Path.Combine(pod.EmptyDir("workdir"), "restart-complete")), "the emptyDir keeps the flag across the restart");
        Assert.NotNull(before.PodIP);
        Assert.Equal(before.PodIP, after.PodIP);
        Assert.Single(pod.Calls, c => c.Kind == RuntimeCallKind.RunPodSandbox);
        Assert.Single(pod.EventsWith(EventReasons.RestartAllContainers));
    }

    [RootFact]
    public async Task RS_16_RemovedContainersWaitWithRestartingAllContainersAndCountOneRestart()
    {
        var pod = await RunAsync(Rs01Pod);
        var after = await Rs01RestartedAsync(pod);

        foreach (var name in Rs01Containers)
        {
            Assert.Contains(pod.History, s => s.Of(name) is { RestartCount: 1, State.Waiting: { } w, LastState.Terminated: { } t }
                && w.Reason == ContainerReasons.RestartingAllContainers && w.Message == ContainerReasons.RestartAllRemovedMessage
                && t.ExitCode == 137 && t.Reason == ContainerReasons.RestartingAllContainers);
            Assert.All(pod.History, s => Assert.InRange(s.RestartCount(name), 0, 1));
        }

        Assert.Equal(ContainerReasons.Completed, after.Container("init").State.Terminated?.Reason);
        Assert.Equal(0, after.Container("init").State.Terminated?.ExitCode);
    }

    [RootFact]
    public async Task RS_17_InitializedStaysTrueWhileInitContainersRerun()
    {
        var pod = await RunAsync(Rs01Pod);
        await Rs01RestartedAsync(pod);

        var history = pod.History;
        var initialized = history.SkipWhile(s => !s.ConditionIs(PodConditions.Initialized, "True")).ToList();
        Assert.All(initialized, s => Assert.Equal("True", s.Condition(PodConditions.Initialized)?.Status));
        var restarting = initialized.Where(s => s.AllContainers().Any(c => c.State?.Waiting?.Reason == ContainerReasons.RestartingAllContainers)).ToList();
        Assert.NotEmpty(restarting);
        Assert.All(restarting, s =>
        {
            Assert.Equal("False", s.Condition(PodConditions.ContainersReady)?.Status);
            Assert.Equal(PodConditions.ContainersNotReady, s.Condition(PodConditions.Ready)?.Reason);
        });
        var sandboxReady = history.SkipWhile(s => !s.ConditionIs(PodConditions.PodReadyToStartContainers, "True")).ToList();
        Assert.All(sandboxReady, s => Assert.Equal("True", s.Condition(PodConditions.PodReadyToStartContainers)?.Status));
    }

    [RootFact]
    public async Task RS_02_SidecarExitRestartsEveryContainer()
    {
        var pod = await RunAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: rs-02}
            spec:
              restartPolicy: Never
              initContainers:
              - {name: init, image: busybox, command: ["/bin/sh", "-c", "exit 0"]}
              - {name: sidecar, image: busybox, command: ["sleep", "10000"], restartPolicy: Always}
              - name: source-sidecar
                image: busybox
                restartPolicy: Always
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
                command: ["/bin/sh", "-c", "[ -f /mnt/done ] && exec sleep 10000; until [ -f /mnt/regular-started ]; do sleep 0.05; done; touch /mnt/done; exit 42"]
                volumeMounts: [{name: workdir, mountPath: /mnt}]
              containers:
              - {name: regular, image: busybox, command: ["/bin/sh", "-c", "touch /mnt/regular-started; exec sleep 10000"], volumeMounts: [{name: workdir, mountPath: /mnt}]}
              volumes: [{name: workdir, emptyDir: {}}]
            """);

        var after = await pod.WaitForAsync(s => new[] { "init", "sidecar", "source-sidecar", "regular" }.All(c => s.RestartCount(c) >= 1)
            && s.IsRunning("regular") && s.IsRunning("source-sidecar"), "every container restarted, regular and source-sidecar Running");

        Assert.True(after.IsRunning("sidecar"));
        Assert.Single(pod.EventsWith(EventReasons.RestartAllContainers));
    }

    [RootFact]
    public async Task RS_03_InitContainerExitRestartsInitAndSidecarsInOrder()
    {
        var pod = await RunAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: rs-03}
            spec:
              restartPolicy: Never
              initContainers:
              - {name: sidecar, image: busybox, command: ["sleep", "10000"], restartPolicy: Always}
              - {name: init, image: busybox, command: ["/bin/sh", "-c", "exit 0"]}
              - name: source-init
                image: busybox
                restartPolicy: Never
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
                command: ["/bin/sh", "-c", "[ -f /mnt/done ] && exit 0; touch /mnt/done; exit 42"]
                volumeMounts: [{name: workdir, mountPath: /mnt}]
              containers:
              - {name: regular, image: busybox, command: ["sleep", "10000"]}
              volumes: [{name: workdir, emptyDir: {}}]
            """);

        var after = await pod.WaitForRunningAsync(0, "regular");

        Assert.All(new[] { "sidecar", "init", "source-init" }, c => Assert.True(after.RestartCount(c) >= 1, c));
        Assert.Equal(0, after.RestartCount("regular"));
        Assert.Equal(["sidecar", "init", "source-init", "sidecar", "init", "source-init", "regular"], pod.StartOrder);
    }

    [RootFact]
    public async Task RS_04_SeveralContainersWithTheRuleGiveExactlyOneCycle()
    {
        var pod = await RunAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: rs-04}
            spec:
              restartPolicy: Never
              containers:
              - name: source-container
                image: busybox
                restartPolicy: Never
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
                command: ["/bin/sh", "-c", "[ -f /mnt/done ] && exec sleep 10000; until [ -f /mnt/regular-started ]; do sleep 0.05; done; touch /mnt/done; exit 42"]
                volumeMounts: [{name: workdir, mountPath: /mnt}]
              - name: regular
                image: busybox
                restartPolicy: Never
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
                command: ["/bin/sh", "-c", "touch /mnt/regular-started; exec sleep 10000"]
                volumeMounts: [{name: workdir, mountPath: /mnt}]
              volumes: [{name: workdir, emptyDir: {}}]
            """);

        var after = await pod.WaitForRunningAsync(1, "source-container", "regular");
        await Harness.Agent.WaitIdleAsync();

        Assert.Equal(1, pod.Status.RestartCount("source-container"));
        Assert.Equal(1, pod.Status.RestartCount("regular"));
        Assert.Single(pod.EventsWith(EventReasons.RestartAllContainers));
        var killed = Assert.Single(pod.Calls, c => c.Kind == RuntimeCallKind.StopEnd && c.Name == "regular");
        Assert.Contains(killed.ExitCode, new int?[] { 137, 143 });
        Assert.Equal(2, pod.StartOrder.Count(n => n == "regular"));
        Assert.True(after.IsRunning("regular"));
    }

    [RootFact]
    public async Task RS_05_ContainerRestartedByItsOwnPolicyThenTriggersRestartAll()
    {
        var pod = await RunAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: rs-05}
            spec:
              containers:
              - name: source-container
                image: busybox
                restartPolicy: Always
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
                command: ["/bin/sh", "-c", "echo run >> /mnt/runs; n=$(wc -l < /mnt/runs); [ $n -eq 1 ] && exit 1; [ $n -eq 2 ] && { until [ -f /mnt/regular-started ]; do sleep 0.05; done; exit 42; }; exec sleep 10000"]
                volumeMounts: [{name: workdir, mountPath: /mnt}]
              - {name: regular, image: busybox, command: ["/bin/sh", "-c", "touch /mnt/regular-started; exec sleep 10000"], volumeMounts: [{name: workdir, mountPath: /mnt}]}
              volumes: [{name: workdir, emptyDir: {}}]
            """);

        var after = await pod.WaitForAsync(s => s.IsRunning("source-container") && s.RestartCount("source-container") == 2 && s.IsRunning("regular") && s.RestartCount("regular") == 1,
            "source restarted twice (own policy, then RestartAll), regular once, both Running");

        Assert.Contains(pod.History, s => s.RestartCount("source-container") == 1 && s.RestartCount("regular") == 0);
        Assert.Single(pod.EventsWith(EventReasons.RestartAllContainers));
        Assert.Equal(3, pod.StartOrder.Count(n => n == "source-container"));
        Assert.Equal(PodPhases.Running, after.Phase);
    }
}
