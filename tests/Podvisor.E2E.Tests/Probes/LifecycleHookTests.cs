using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Probes;

/// <summary>postStart and preStop hooks (exec, httpGet, sleep) and the stop signal, on real processes.</summary>
public sealed class LifecycleHookTests : ProbeTest
{
    [RootFact]
    public async Task PostStartFailure_FailedPostStartHookEvent_KillAndRestart()
    {
        var pod = await RunPodAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: poststart-fails}
            spec:
              containers:
              - name: c
                image: busybox
                command: [sleep, "3600"]
                lifecycle:
                  postStart:
                    exec: {command: [sh, -c, "[ -f {rec}/failed-once ] && exit 0; touch {rec}/failed-once; exit 3"]}
            """);

        var restarted = await StatusAsync(pod, "c running after one restart", s => s.IsRunning("c") && s.RestartCount("c") == 1);
        var failed = await EventAsync(pod, "c", "FailedPostStartHook", "PostStartHook failed");
        Assert.Equal("Warning", failed.Type);
        await EventAsync(pod, "c", "Killing", "FailedPostStartHook");
        Assert.Equal(143, restarted.Container("c").LastState.Terminated.ExitCode);
    }

    /// <summary>The kubelet runs postStart inside the start; the container counts as running and started only after it.</summary>
    [RootFact]
    public async Task PostStartExec_EffectVisibleBeforeTheContainerCountsAsStarted()
    {
        var pod = await RunPodAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: poststart-effect}
            spec:
              containers:
              - name: c
                image: busybox
                command: [sleep, "3600"]
                lifecycle:
                  postStart:
                    exec: {command: [sh, -c, "sleep 1; touch {rec}/post-started"]}
            """);

        // Evaluated as each status is published: the first one showing c running or started must find the hook's file.
        var hookDoneAtFirstRunning = await CaptureAsync(
            () => pod.History.Count > 0 && (pod.Status.IsRunning("c") || pod.Status.IsStarted("c")) ? (object)File.Exists(RecPath("post-started")) : null,
            "c running");
        Assert.True((bool)hookDoneAtFirstRunning, Describe());
    }

    /// <summary>docs/lifecycle.md §D8: a RestartAllContainers cleanup kills without preStop.</summary>
    [RootFact]
    public async Task PreStop_NeverRunsDuringRestartAllContainers()
    {
        var pod = await RunPodAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: restart-all-no-prestop}
            spec:
              restartPolicy: Never
              terminationGracePeriodSeconds: 60
              containers:
              - name: src
                image: busybox
                command: [sh, -c, "[ -f {rec}/src-ran ] && exec sleep 3600; touch {rec}/src-ran; until [ -f {rec}/regular-up ]; do sleep 0.05; done; exit 42"]
                restartPolicy: Never
                restartPolicyRules:
                - action: RestartAllContainers
                  exitCodes: {operator: In, values: [42]}
              - name: regular
                image: busybox
                command: [sh, -c, "touch {rec}/regular-up; exec sleep 3600"]
                lifecycle:
                  preStop:
                    exec: {command: [touch, "{rec}/prestop-ran"]}
            """);

        await StatusAsync(pod, "both restarted once and running", s =>
            s.IsRunning("src") && s.IsRunning("regular") && s.RestartCount("src") == 1 && s.RestartCount("regular") == 1);
        await EventAsync(pod, "regular", "Killing",
            "Container regular will be restarted in place: container \"src\" exited with code 42 matching restartPolicyRules[0]");
        Assert.False(File.Exists(RecPath("prestop-ran")), Describe());
    }

    [RootFact]
    public async Task PreStopFailure_FailedPreStopHookEvent_TerminationContinues()
    {
        var pod = await RunPodAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: prestop-fails}
            spec:
              containers:
              - name: c
                image: busybox
                command: [sleep, "3600"]
                lifecycle:
                  preStop:
                    exec: {command: [sh, -c, "exit 7"]}
            """);

        await StatusAsync(pod, "c running", s => s.IsRunning("c"));
        await pod.DeleteAsync();
        var failed = await EventAsync(pod, "c", "FailedPreStopHook", "PreStopHook failed");
        Assert.Equal("Warning", failed.Type);
        Assert.Equal(143, pod.Status.Container("c").State.Terminated.ExitCode);
    }

    /// <summary>
    /// Deleting a pod whose postStart hook never returns cancels the hook (upstream cancels the sync's context: the
    /// hook fails and the container is killed) and the final status shows the container terminated, not waiting to
    /// be restarted: a deleted pod's containers are never restarted.
    /// </summary>
    [RootFact]
    public async Task DeletionDuringAHangingPostStart_Completes()
    {
        var pod = await RunPodAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: poststart-hangs}
            spec:
              terminationGracePeriodSeconds: 2
              containers:
              - name: c
                image: busybox
                command: [sleep, "3600"]
                lifecycle:
                  postStart:
                    exec: {command: [sleep, "3600"]}
            """);

        await EventAsync(pod, "c", "Started", "Started container c");
        await pod.DeleteAsync();
        var final = pod.Status;
        Assert.True(final.Container("c").State.Terminated is { ExitCode: 143 }, Describe());
        Assert.Equal("Failed", final.Phase);
    }

    /// <summary>lifecycle.stopSignal replaces SIGTERM when the container is stopped.</summary>
    [RootFact]
    public async Task StopSignal_SIGUSR1IsDelivered()
    {
        var pod = await RunPodAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: stop-signal}
            spec:
              os: {name: linux}
              containers:
              - name: c
                image: busybox
                command: [sh, -c, "trap 'echo USR1 > {rec}/signal; exit 0' USR1; trap 'echo TERM > {rec}/signal; exit 0' TERM; touch {rec}/trapping; while true; do sleep 1; done"]
                lifecycle:
                  stopSignal: SIGUSR1
                readinessProbe:
                  exec: {command: [test, -f, "{rec}/trapping"]}
                  periodSeconds: 1
                  timeoutSeconds: 5
            """);

        // Ready once the traps are set.
        await StatusAsync(pod, "c ready", s => s.IsReady("c"));
        await pod.DeleteAsync();
        Assert.Equal("USR1\n", ReadRec("signal"));
        Assert.Equal("Succeeded", pod.Status.Phase);
    }
}
