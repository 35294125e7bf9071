using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Probes;

/// <summary>Liveness and startup probes on real processes: kills, restarts, events and the startup gate.</summary>
public sealed class LivenessProbeTests : ProbeTest
{
    /// <summary>First run: never healthy; second run: healthy. So exactly one liveness kill.</summary>
    private const string HealthyOnSecondRun =
        "if [ -f {rec}/ran ]; then touch {rec}/healthy; else touch {rec}/ran; fi; exec sleep 3600";

    [RootFact]
    public async Task LivenessFailure_KillsAndRestartsWithUpstreamEvents()
    {
        var pod = await RunPodAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: liveness}
            spec:
              containers:
              - name: c
                image: busybox
                command: [sh, -c, "{{HealthyOnSecondRun}}"]
                livenessProbe:
                  exec: {command: [test, -f, "{rec}/healthy"]}
                  periodSeconds: 1
                  timeoutSeconds: 5
                  failureThreshold: 2
            """);

        var restarted = await StatusAsync(pod, "c running again after one restart", s => s.IsRunning("c") && s.RestartCount("c") == 1);
        // failureThreshold 2: two Unhealthy (one event, count 2) before the kill.
        var unhealthy = await EventAsync(pod, "c", "Unhealthy", "Liveness probe failed: ");
        Assert.Equal("Warning", unhealthy.Type);
        var events = pod.Events.ToList();
        var kill = events.FindIndex(e => e.Reason == "Killing");
        Assert.Equal(2, events.Take(kill).Last(e => e.Reason == "Unhealthy").Count);
        var killing = await EventAsync(pod, "c", "Killing", "Container c failed liveness probe, will be restarted");
        Assert.Equal("Normal", killing.Type);

        // SIGTERM ended the first instance (sleep does not handle it): 128 + 15.
        var last = restarted.Container("c").LastState.Terminated;
        Assert.Equal((143, "Error"), (last.ExitCode, last.Reason));
        Assert.Equal("Running", restarted.Phase);
    }

    [RootFact]
    public async Task StartupProbe_GatesLiveness_StartedFalseThenTrue()
    {
        var pod = await RunPodAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: startup}
            spec:
              containers:
              - name: c
                image: busybox
                command: [sleep, "3600"]
                startupProbe:
                  exec: {command: [test, -f, "{rec}/started"]}
                  periodSeconds: 1
                  timeoutSeconds: 5
                  failureThreshold: 60
                livenessProbe:
                  exec: {command: [test, -f, "{rec}/live"]}
                  periodSeconds: 1
                  timeoutSeconds: 5
                  failureThreshold: 1
            """);

        // While the startup probe fails (three times), the failing liveness probe does not run at all.
        await EventAsync(pod, "three startup failures", e => IsAbout(e, "c", "Unhealthy") && e.Message == "Startup probe failed: " && e.Count >= 3);
        Assert.DoesNotContain(pod.Events, e => e.Message.StartsWith("Liveness", StringComparison.Ordinal));
        var starting = pod.Status;
        Assert.True(starting.IsRunning("c") && !starting.IsStarted("c") && !starting.IsReady("c"), Describe());
        Assert.Equal(0, starting.Container("c").RestartCount);

        // Started: now liveness runs, fails and kills; every status before the startup probe could pass said started: false.
        var before = pod.History;
        Touch("started");
        var started = await StatusAsync(pod, "c started", s => s.IsStarted("c"));
        Assert.True(started.IsReady("c"), "no readiness probe: ready once started");
        await EventAsync(pod, "c", "Killing", "Container c failed liveness probe, will be restarted");
        Assert.All(before, s => Assert.NotEqual(true, s.Of("c")?.Started));
    }

    [RootFact]
    public async Task StartupProbeFailure_KillsAndRestarts()
    {
        var pod = await RunPodAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: startup-fails}
            spec:
              containers:
              - name: c
                image: busybox
                command: [sleep, "3600"]
                startupProbe:
                  exec: {command: [sh, -c, "echo not yet; exit 1"]}
                  periodSeconds: 1
                  timeoutSeconds: 5
                  failureThreshold: 2
            """);

        await EventAsync(pod, "c", "Unhealthy", "Startup probe failed: not yet\n");
        await EventAsync(pod, "c", "Killing", "Container c failed startup probe, will be restarted");
        var restarted = await StatusAsync(pod, "c restarted", s => s.IsRunning("c") && s.RestartCount("c") >= 1);
        Assert.False(restarted.IsStarted("c"));
    }

    /// <summary>
    /// CR-11: a liveness kill of a container with restartPolicy Never does not evaluate the rules (the Killing message
    /// has no ", will be restarted"); the exit of the kill is then matched: 137 (it ignored SIGTERM) restarts it by
    /// the rule. A second container keeps the pod running so the kill is the container's own, not a whole-pod kill.
    /// </summary>
    [RootFact]
    public async Task CR_11_LivenessKillWithContainerNever_Exit137RestartsByTheRule()
    {
        var pod = await RunPodAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: cr-11-137}
            spec:
              containers:
              - name: c
                image: busybox
                command: [sh, -c, "trap '' TERM; {{HealthyOnSecondRun}}"]
                restartPolicy: Never
                restartPolicyRules:
                - action: Restart
                  exitCodes: {operator: In, values: [137]}
                livenessProbe:
                  exec: {command: [test, -f, "{rec}/healthy"]}
                  periodSeconds: 1
                  timeoutSeconds: 5
                  failureThreshold: 1
                  terminationGracePeriodSeconds: 1
              - name: keeper
                image: busybox
                command: [sleep, "3600"]
            """);

        await EventAsync(pod, "c", "Killing", "Container c failed liveness probe");
        var restarted = await StatusAsync(pod, "c restarted by the rule", s => s.IsRunning("c") && s.RestartCount("c") == 1);
        Assert.Equal(137, restarted.Container("c").LastState.Terminated.ExitCode);
        Assert.Equal("Running", restarted.Phase);
        Assert.DoesNotContain(pod.Events, e => e.Message.EndsWith(", will be restarted", StringComparison.Ordinal));
    }

    /// <summary>
    /// CR-11 with the scenario's single container: nothing is left running or to start, so computePodActions turns
    /// the liveness kill into a whole-pod kill (KillPod: "Stopping container c", sandbox stopped), exactly as upstream
    /// SyncPod step 2 does; the 137 exit then restarts c by the rule in a new sandbox (SandboxChanged).
    /// </summary>
    [RootFact]
    public async Task CR_11_SingleContainer_LivenessKillStopsThePod_Exit137RestartsInANewSandbox()
    {
        var pod = await RunPodAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: cr-11-single}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: c
                image: busybox
                command: [sh, -c, "trap '' TERM; {{HealthyOnSecondRun}}"]
                restartPolicy: Never
                restartPolicyRules:
                - action: Restart
                  exitCodes: {operator: In, values: [137]}
                livenessProbe:
                  exec: {command: [test, -f, "{rec}/healthy"]}
                  periodSeconds: 1
                  timeoutSeconds: 5
                  failureThreshold: 1
            """);

        await EventAsync(pod, "c", "Killing", "Stopping container c");
        await EventAsync(pod, "SandboxChanged", e => e.Reason == "SandboxChanged");
        var restarted = await StatusAsync(pod, "c restarted by the rule", s => s.IsRunning("c") && s.RestartCount("c") == 1);
        Assert.Equal(137, restarted.Container("c").LastState.Terminated.ExitCode);
        Assert.DoesNotContain(pod.Events, e => e.Message.StartsWith("Container c failed liveness probe", StringComparison.Ordinal));
    }

    /// <summary>CR-11, the 143 variant: the exit of the kill matches no rule and the container policy is Never, so it stays down and the pod fails.</summary>
    [RootFact]
    public async Task CR_11_LivenessKillWithContainerNever_Exit143MatchesNoRule_PodFailed()
    {
        var pod = await RunPodAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: cr-11-143}
            spec:
              containers:
              - name: c
                image: busybox
                command: [sh, -c, "trap 'touch {rec}/stopped; exit 143' TERM; while true; do sleep 1; done"]
                restartPolicy: Never
                restartPolicyRules: [{action: Restart, exitCodes: {operator: In, values: [137]}}]
                livenessProbe:
                  exec: {command: [test, -f, "{rec}/healthy"]}
                  periodSeconds: 1
                  timeoutSeconds: 5
                  failureThreshold: 1
              - name: keeper
                image: busybox
                command: [sh, -c, "until [ -f {rec}/stopped ]; do sleep 0.1; done"]
                restartPolicy: Never
            """);

        await EventAsync(pod, "c", "Killing", "Container c failed liveness probe");
        var failed = await TerminalAsync(pod);
        Assert.Equal("Failed", failed.Phase);
        var c = failed.Container("c");
        Assert.Equal((143, 0), (c.State.Terminated.ExitCode, c.RestartCount));
        Assert.Equal(0, failed.Container("keeper").State.Terminated.ExitCode);
    }
}
