using k8s.Models;
using Podvisor.Core.Model;
using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Run;

/// <summary>
/// docs/scenarios.md RS-09…RS-11 with real processes: what the cleanup phase of RestartAllContainers asks the runtime to
/// do (kills, removal order, grace periods), and what it leaves alone (the sandbox, preStop hooks, ephemeral containers).
/// </summary>
public sealed class RestartAllCleanupTests : AgentTest
{
    private static readonly RuntimeCallKind[] Cleanup =
        [RuntimeCallKind.StopBegin, RuntimeCallKind.RemoveContainer, RuntimeCallKind.RunPodSandbox, RuntimeCallKind.StopPodSandbox, RuntimeCallKind.RemovePodSandbox];

    [RootFact]
    public async Task RS_09_CleanupKillsAndRemovesTargetsBeforeTheSourceAndKeepsTheSandbox()
    {
        var pod = await RunAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: rs-09}
            spec:
              restartPolicy: Never
              initContainers:
              - {name: init-1, image: busybox, command: ["true"]}
              - {name: init-2, image: busybox, command: ["true"]}
              - name: restartable-init-3
                image: busybox
                restartPolicy: Always
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
                command: ["/bin/sh", "-c", "[ -f /mnt/done ] && exec sleep 10000; until [ -f /mnt/foo1-started ]; do sleep 0.05; done; touch /mnt/done; exit 42"]
                volumeMounts: [{name: workdir, mountPath: /mnt}]
              containers:
              - {name: foo1, image: busybox, command: ["/bin/sh", "-c", "touch /mnt/foo1-started; exec sleep 10000"], volumeMounts: [{name: workdir, mountPath: /mnt}]}
              volumes: [{name: workdir, emptyDir: {}}]
            """);

        await pod.WaitForRunningAsync(1, "foo1", "restartable-init-3");

        var calls = pod.Calls;
        var firstFoo1 = calls.First(c => c.Kind == RuntimeCallKind.StartContainer && c.Name == "foo1");
        var secondInit1 = calls.Where(c => c.Kind == RuntimeCallKind.StartContainer && c.Name == "init-1").ElementAt(1);
        var cycle = calls.Where(c => c.Sequence > firstFoo1.Sequence && c.Sequence < secondInit1.Sequence && Cleanup.Contains(c.Kind))
            .Select(c => c.ToString()).ToList();
        Assert.Equal(["StopBegin foo1 2s", "RemoveContainer foo1", "RemoveContainer init-2", "RemoveContainer init-1", "RemoveContainer restartable-init-3"], cycle);
        Assert.Single(calls, c => c.Kind == RuntimeCallKind.RunPodSandbox);
    }

    [RootFact]
    public async Task RS_10_CleanupRunsNoPreStopAndStopsWithTheTwoSecondMinimumGrace()
    {
        var pod = await RunAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: rs-10}
            spec:
              restartPolicy: Never
              terminationGracePeriodSeconds: 120
              containers:
              - name: regular
                image: busybox
                command: ["/bin/sh", "-c", "[ -f /shared/done ] && exec sleep 10000; trap '' TERM; touch /shared/regular-started; while true; do sleep 0.1; done"]
                lifecycle:
                  preStop:
                    exec: {command: ["/bin/sh", "-c", "echo hi > /shared/prestop; sleep 100"]}
                volumeMounts: [{name: shared, mountPath: /shared}]
              - name: source
                image: busybox
                restartPolicy: Never
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
                command: ["/bin/sh", "-c", "[ -f /shared/done ] && exec sleep 10000; until [ -f /shared/regular-started ]; do sleep 0.05; done; touch /shared/done; exit 42"]
                volumeMounts: [{name: shared, mountPath: /shared}]
              volumes: [{name: shared, emptyDir: {}}]
            """);

        await pod.WaitForRunningAsync(1, "regular", "source");

        var stop = Assert.Single(pod.Calls, c => c.Kind == RuntimeCallKind.StopEnd && c.Name == "regular");
        Assert.Equal(TimeSpan.FromSeconds(2), stop.Grace);
        Assert.Equal(137, stop.ExitCode);
        var killing = Assert.Single(pod.EventsWith(EventReasons.Killing, "regular"));
        Assert.Equal("Container regular will be restarted in place: container \"source\" exited with code 42 matching restartPolicyRules[0]", killing.Message);
        Assert.Equal("Normal", killing.Type);
        Assert.False(File.Exists(Path.Combine(pod.EmptyDir("shared"), "prestop")), "preStop must not run during RestartAllContainers");
    }

    [RootFact]
    public async Task RS_11_EphemeralContainerIsLeftAlone()
    {
        var harness = await StartAgentAsync();
        var pod = harness.Run("""
            apiVersion: v1
            kind: Pod
            metadata: {name: rs-11}
            spec:
              restartPolicy: Never
              containers:
              - name: source
                image: busybox
                restartPolicy: Never
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
                command: ["/bin/sh", "-c", "[ -f /mnt/done ] && exec sleep 10000; touch /mnt/done; exit 42"]
                volumeMounts: [{name: workdir, mountPath: /mnt}]
              - {name: regular, image: busybox, command: ["sleep", "10000"]}
              volumes: [{name: workdir, emptyDir: {}}]
            """,
            // As if added later through the ephemeralcontainers subresource (the apiserver forbids them on create).
            p => p.Spec.EphemeralContainers = [new V1EphemeralContainer { Name = "debugger", Image = "busybox", Command = ["sleep", "10000"] }]);

        var after = await pod.WaitForRunningAsync(1, "source", "regular");

        Assert.DoesNotContain(pod.Calls, c => c.Name == "debugger");
        Assert.Null(after.Of("debugger"));
        Assert.Single(pod.EventsWith(EventReasons.RestartAllContainers));
    }

    [RootFact]
    public async Task RS_19_NoCrashLoopBackOffBetweenCycles()
    {
        var pod = await RunAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: rs-19}
            spec:
              restartPolicy: Never
              containers:
              - name: looping
                image: busybox
                restartPolicy: Never
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
                command: ["/bin/sh", "-c", "exit 42"]
              - {name: long-running, image: busybox, command: ["sleep", "10000"]}
            """);

        var looped = await pod.WaitForAsync(s => s.RestartCount("looping") >= 3 && s.RestartCount("long-running") >= 3, "three cycles");

        Assert.Empty(pod.EventsWith(EventReasons.BackOff));
        Assert.Equal(looped.RestartCount("looping"), looped.RestartCount("long-running"));
        Assert.True(pod.EventsWith(EventReasons.RestartAllContainers).Last().Count >= 3);
    }

    [RootFact]
    public async Task RS_20_DeletionDuringTheCleanupTerminatesNormally()
    {
        var pod = await RunAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: rs-20}
            spec:
              restartPolicy: Never
              terminationGracePeriodSeconds: 3
              containers:
              - name: source
                image: busybox
                restartPolicy: Never
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
                command: ["/bin/sh", "-c", "until [ -f /d/stubborn-started ]; do sleep 0.05; done; exit 42"]
                volumeMounts: [{name: d, mountPath: /d}]
              - name: stubborn
                image: busybox
                command: ["/bin/sh", "-c", "trap '' TERM; touch /d/stubborn-started; while true; do sleep 0.1; done"]
                volumeMounts: [{name: d, mountPath: /d}]
              volumes: [{name: d, emptyDir: {}}]
            """);
        await pod.WaitForAsync(s => s.ConditionIs(PodConditions.AllContainersRestarting, "True"), "AllContainersRestarting True");

        await pod.DeleteAsync();

        var final = pod.Status;
        Assert.True(PodPhases.IsTerminal(final.Phase), final.Describe());
        var condition = final.Condition(PodConditions.AllContainersRestarting);
        Assert.Equal("False", condition?.Status);
        Assert.Contains(condition?.Reason, new[] { PodConditions.PodFailed, PodConditions.PodCompleted });
        Assert.Single(pod.StartOrder, n => n == "source");
    }
}
