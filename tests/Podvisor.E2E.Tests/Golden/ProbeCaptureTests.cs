using k8s.Models;
using Podvisor.E2E.Tests.Serve;
using static Podvisor.E2E.Tests.Golden.Expected;

namespace Podvisor.E2E.Tests.Golden;

/// <summary>
/// Golden tests for the v1.36 captures startup.json, probe0.json and healthy-sidecar.json (murat-akpinar/k8rs
/// tests/fixtures). Probe periods are 1 s instead of 5 s and thresholds small, so each situation arises in seconds.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class ProbeCaptureTests
{
    /// <summary>
    /// startup.json: the startup probe never passes; the container is killed (SIGKILL after the grace period, exit
    /// 137: the capture's <c>sleep</c> is pid 1 and ignores SIGTERM, here the shell ignores it for <c>sleep</c>) and is
    /// running again, not started and not ready.
    /// </summary>
    [Fact]
    public async Task ContainerRestartedByItsFailingStartupProbe()
    {
        const string pod = """
            apiVersion: v1
            kind: Pod
            metadata: {name: golden-startup}
            spec:
              terminationGracePeriodSeconds: 2
              containers:
              - name: slowboot
                image: busybox
                command: [sh, -c, "trap '' TERM; exec sleep 86400"]
                startupProbe: {exec: {command: ["false"]}, failureThreshold: 2, periodSeconds: 1}
                readinessProbe: {exec: {command: ["true"]}, failureThreshold: 3, periodSeconds: 1}
            """;
        var expected = Status("Running", Conditions(unready: "slowboot"), $$$"""
            [
              {"containerID": "<id:s2>", "image": "busybox", "imageID": "",
               "lastState": {"terminated": {"containerID": "<id:s1>", "exitCode": 137, "finishedAt": "<time>", "reason": "Error", "startedAt": "<time>"}},
               "name": "slowboot", "ready": false, "resources": {}, "restartCount": 1, "started": false,
               "state": {"running": {"startedAt": "<time>"}}, "volumeMounts": {{{Mounts()}}}}
            ]
            """);

        await CaptureAsync(pod, p => RunningAfterOneRestart(p, started: false), "slowboot running after one restart", expected);
    }

    /// <summary>
    /// probe0.json: liveness kills a container that exits 0 on SIGTERM (Completed), pod <c>Always</c> restarts it; it
    /// runs again, started (no startup probe) but not ready (readiness always fails).
    /// </summary>
    [Fact]
    public async Task LivenessKilledContainerThatExits0RunsAgain()
    {
        const string pod = """
            apiVersion: v1
            kind: Pod
            metadata: {name: golden-probe0}
            spec:
              containers:
              - name: app
                image: busybox
                command: [sh, -c]
                args: ["trap 'kill $!; exit 0' TERM; sleep 86400 & wait"]
                livenessProbe: {exec: {command: ["false"]}, failureThreshold: 1, initialDelaySeconds: 1, periodSeconds: 1}
                readinessProbe: {exec: {command: ["false"]}, failureThreshold: 3, periodSeconds: 1}
            """;
        var expected = Status("Running", Conditions(unready: "app"), $$$"""
            [
              {"containerID": "<id:a2>", "image": "busybox", "imageID": "",
               "lastState": {"terminated": {"containerID": "<id:a1>", "exitCode": 0, "finishedAt": "<time>", "reason": "Completed", "startedAt": "<time>"}},
               "name": "app", "ready": false, "resources": {}, "restartCount": 1, "started": true,
               "state": {"running": {"startedAt": "<time>"}}, "volumeMounts": {{{Mounts()}}}}
            ]
            """);

        await CaptureAsync(pod, p => RunningAfterOneRestart(p, started: true), "app running and started after one restart", expected);
    }

    /// <summary>
    /// healthy-sidecar.json: a sidecar and a regular container with requests and limits, both running and ready:
    /// Burstable, per-container <c>resources</c>/<c>allocatedResources</c>, and the pod-level sums.
    /// </summary>
    [Fact]
    public async Task HealthyPodWithASidecarAndResources()
    {
        const string resources = "{limits: {cpu: 100m, memory: 64Mi}, requests: {cpu: 10m, memory: 16Mi}}";
        const string pod = $$$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: golden-sidecar}
            spec:
              initContainers:
              - {name: proxy, image: busybox, command: [sleep, "3600"], restartPolicy: Always, resources: {{{resources}}}}
              containers:
              - {name: app, image: busybox, command: [sleep, "3600"], resources: {{{resources}}}}
            """;
        const string statusResources = """{"limits": {"cpu": "100m", "memory": "64Mi"}, "requests": {"cpu": "10m", "memory": "16Mi"}}""";
        const string allocated = """{"cpu": "10m", "memory": "16Mi"}""";
        var running = $$$"""
            "allocatedResources": {{{allocated}}}, "image": "busybox", "imageID": "", "lastState": {}, "ready": true, "resources": {{{statusResources}}},
            "restartCount": 0, "started": true, "state": {"running": {"startedAt": "<time>"}}, "volumeMounts": {{{Mounts()}}}
            """;
        var expected = Status("Running", Conditions(unready: null),
            containerStatuses: $$$"""[{"containerID": "<id:a>", "name": "app", {{{running}}}}]""",
            initContainerStatuses: $$$"""[{"containerID": "<id:p>", "name": "proxy", {{{running}}}}]""",
            qosClass: "Burstable",
            // The capture shows no cpu request here (requests: {memory: 32Mi}); see docs/upstream-tests.md, "Captures".
            resources: """{"limits": {"cpu": "200m", "memory": "128Mi"}, "requests": {"cpu": "20m", "memory": "32Mi"}}""",
            allocatedResources: """{"cpu": "20m", "memory": "32Mi"}""");

        await CaptureAsync(pod, p => p.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true, "Ready", expected);
    }

    private static bool RunningAfterOneRestart(V1Pod pod, bool started) =>
        pod.Status.ContainerStatuses is [{ RestartCount: 1, State.Running: not null } status] && status.Started == started;
}
