using k8s.Models;
using Podvisor.E2E.Tests.Serve;
using static Podvisor.E2E.Tests.Golden.Expected;

namespace Podvisor.E2E.Tests.Golden;

/// <summary>
/// Golden tests for the v1.36 captures crashloop.json, init.json and sigterm.json (murat-akpinar/k8rs tests/fixtures):
/// a container in CrashLoopBackOff. The captures were taken at the 5 min maximum (restartCount 16, 27); these take the
/// first back-off (10 s; the first restart is immediate, docs/lifecycle.md §9) — the shape is the same.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class CrashLoopCaptureTests
{
    /// <summary>crashloop.json: a container that fails at once, its message taken from the log (FallbackToLogsOnError).</summary>
    [Fact]
    public async Task CrashingContainerWithItsLogAsTerminationMessage()
    {
        const string pod = """
            apiVersion: v1
            kind: Pod
            metadata: {name: golden-crashloop}
            spec:
              containers:
              - name: quitter
                image: busybox
                command: [sh, -c]
                args: ["echo starting; echo 'panic: dial tcp db.payments.svc:5432: connect: connection refused' >&2; exit 1"]
                terminationMessagePolicy: FallbackToLogsOnError
            """;
        var expected = Status("Running", Conditions(unready: "quitter"), $$$"""
            [
              {"containerID": "<id:q>", "image": "busybox", "imageID": "",
               "lastState": {"terminated": {"containerID": "<id:q>", "exitCode": 1, "finishedAt": "<time>",
                             "message": "starting\npanic: dial tcp db.payments.svc:5432: connect: connection refused\n", "reason": "Error", "startedAt": "<time>"}},
               "name": "quitter", "ready": false, "resources": {}, "restartCount": 1, "started": false,
               "state": {"waiting": {"message": "back-off 10s restarting failed container=quitter pod=golden-crashloop_default(<uid>)", "reason": "CrashLoopBackOff"}},
               "volumeMounts": {{{Mounts()}}}}
            ]
            """);

        await CaptureAsync(pod, p => InCrashLoop(p.Status.ContainerStatuses), "quitter in CrashLoopBackOff", expected);
    }

    /// <summary>
    /// init.json: a regular init container that keeps failing under pod <c>Always</c>; the regular container was never
    /// created (default waiting PodInitializing, no containerID, no resources, <c>lastState: {}</c>).
    /// </summary>
    [Fact]
    public async Task FailingInitContainerInCrashLoopBackOff()
    {
        const string pod = """
            apiVersion: v1
            kind: Pod
            metadata: {name: golden-init}
            spec:
              initContainers:
              - name: migrate
                image: busybox
                command: [sh, -c, "echo running migrations; exit 1"]
              containers:
              - name: app
                image: busybox
                command: [sleep, "3600"]
            """;
        var initialized = Condition("Initialized", "False", "ContainersNotInitialized", "containers with incomplete status: [migrate]");
        var expected = Status("Pending", Conditions(unready: "app", initialized),
            containerStatuses: $$$"""
            [
              {"image": "busybox", "imageID": "", "lastState": {}, "name": "app", "ready": false, "restartCount": 0, "started": false,
               "state": {"waiting": {"reason": "PodInitializing"}}, "volumeMounts": {{{Mounts()}}}}
            ]
            """,
            initContainerStatuses: $$$"""
            [
              {"containerID": "<id:m>", "image": "busybox", "imageID": "",
               "lastState": {"terminated": {"containerID": "<id:m>", "exitCode": 1, "finishedAt": "<time>", "reason": "Error", "startedAt": "<time>"}},
               "name": "migrate", "ready": false, "resources": {}, "restartCount": 1, "started": false,
               "state": {"waiting": {"message": "back-off 10s restarting failed container=migrate pod=golden-init_default(<uid>)", "reason": "CrashLoopBackOff"}},
               "volumeMounts": {{{Mounts()}}}}
            ]
            """);

        await CaptureAsync(pod, p => InCrashLoop(p.Status.InitContainerStatuses), "migrate in CrashLoopBackOff", expected);
    }

    /// <summary>
    /// sigterm.json: liveness always fails; the container exits 143 on SIGTERM and is restarted in the same sync, until
    /// it backs off. The first back-off comes at restartCount 2: the kill and the start share a sync, and the back-off
    /// looks only at exited instances (kuberuntime doBackOff), so the first restart neither waits nor steps it.
    /// (The capture's container leaves its <c>sleep</c> to the pid namespace; a host process kills it itself.)
    /// </summary>
    [Fact]
    public async Task LivenessKilledContainerThatExits143OnSIGTERM()
    {
        const string pod = """
            apiVersion: v1
            kind: Pod
            metadata: {name: golden-sigterm}
            spec:
              containers:
              - name: app
                image: busybox
                command: [sh, -c]
                args: ["trap 'kill $!; exit 143' TERM; sleep 86400 & wait"]
                livenessProbe: {exec: {command: ["false"]}, failureThreshold: 1, periodSeconds: 1}
                readinessProbe: {exec: {command: ["false"]}, failureThreshold: 3, periodSeconds: 1}
            """;
        var expected = Status("Running", Conditions(unready: "app"), $$$"""
            [
              {"containerID": "<id:a>", "image": "busybox", "imageID": "",
               "lastState": {"terminated": {"containerID": "<id:a>", "exitCode": 143, "finishedAt": "<time>", "reason": "Error", "startedAt": "<time>"}},
               "name": "app", "ready": false, "resources": {}, "restartCount": 2, "started": false,
               "state": {"waiting": {"message": "back-off 10s restarting failed container=app pod=golden-sigterm_default(<uid>)", "reason": "CrashLoopBackOff"}},
               "volumeMounts": {{{Mounts()}}}}
            ]
            """);

        await CaptureAsync(pod, p => InCrashLoop(p.Status.ContainerStatuses), "app in CrashLoopBackOff", expected);
    }

    private static bool InCrashLoop(IList<V1ContainerStatus>? statuses) =>
        statuses is [{ State.Waiting.Reason: "CrashLoopBackOff" }];
}
