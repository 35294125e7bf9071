using k8s;
using k8s.Models;
using Podvisor.E2E.Tests.Serve;
using static Podvisor.E2E.Tests.Golden.Expected;

namespace Podvisor.E2E.Tests.Golden;

/// <summary>
/// Golden tests for the v1.36 captures gang.json, neverrules.json and reboot.json (murat-akpinar/k8rs tests/fixtures):
/// the same situation with real processes under <c>podvisor serve</c>, every status field the capture shows compared
/// as <see cref="GoldenStatus"/> describes (its <see cref="GoldenStatus.Exceptions"/> are the deliberate differences).
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class RestartCaptureTests
{
    /// <summary>
    /// gang.json: a RestartAllContainers rule on exit 3 fired three times. Each run of <c>trigger</c> waits until
    /// <c>bystander</c> has started as often, so each cycle removes both (docs/lifecycle.md §6.13).
    /// </summary>
    [Fact]
    public async Task GangAfterThreeRestartAllContainersCycles()
    {
        const string pod = """
            apiVersion: v1
            kind: Pod
            metadata: {name: golden-gang}
            spec:
              restartPolicy: Never
              containers:
              - name: trigger
                image: busybox
                command: [sh, -c]
                args:
                - |
                  for i in 1 2 3; do
                    if [ ! -f /state/$i ]; then
                      until [ "$$(cat /state/bystander 2>/dev/null | wc -l)" -ge $i ]; do sleep 0.05; done
                      touch /state/$i; exit 3
                    fi
                  done
                  exec sleep 86400
                restartPolicy: Never
                restartPolicyRules:
                - {action: RestartAllContainers, exitCodes: {operator: In, values: [3]}}
                volumeMounts: [{name: state, mountPath: /state}]
              - name: bystander
                image: busybox
                command: [sh, -c, "echo up >> /state/bystander; exec sleep 86400"]
                volumeMounts: [{name: state, mountPath: /state}]
              volumes: [{name: state, emptyDir: {}}]
            """;
        const string removed = """
            {"terminated": {"exitCode": 137, "finishedAt": null, "message": "The container is removed because RestartAllContainers in place",
                            "reason": "RestartingAllContainers", "startedAt": null}}
            """;
        var expected = Status("Running",
            Conditions(unready: null, extra: """, {"lastProbeTime": null, "lastTransitionTime": "<time>", "status": "False", "type": "AllContainersRestarting"}"""),
            $$$"""
            [
              {"containerID": "<id:b>", "image": "busybox", "imageID": "", "lastState": {{{removed}}}, "name": "bystander", "ready": true,
               "resources": {}, "restartCount": 3, "started": true, "state": {"running": {"startedAt": "<time>"}}, "volumeMounts": {{{Mounts("/state")}}}},
              {"containerID": "<id:t>", "image": "busybox", "imageID": "", "lastState": {{{removed}}}, "name": "trigger", "ready": true,
               "resources": {}, "restartCount": 3, "started": true, "state": {"running": {"startedAt": "<time>"}}, "volumeMounts": {{{Mounts("/state")}}}}
            ]
            """);

        await CaptureAsync(pod, p => ConditionIs(p, "Ready", "True") && p.Status.ContainerStatuses.All(s => s.RestartCount == 3 && s.Ready),
            "both containers ready after three cycles", expected);
    }

    /// <summary>
    /// neverrules.json: pod and container <c>Never</c>, a Restart rule on exit 3; the first run exits 3 (restarted), the
    /// second exits 1 (not restarted), the other container keeps the pod Running (docs/lifecycle.md §4.2).
    /// </summary>
    [Fact]
    public async Task RestartRuleUnderNeverThenAFinalFailure()
    {
        const string pod = """
            apiVersion: v1
            kind: Pod
            metadata: {name: golden-neverrules}
            spec:
              restartPolicy: Never
              containers:
              - name: retry
                image: busybox
                command: [sh, -c]
                args:
                - |
                  if [ ! -f /state/tried ]; then touch /state/tried; echo cannot reach the license server, retrying >&2; exit 3; fi
                  echo cannot reach the license server, giving up >&2; exit 1
                restartPolicy: Never
                restartPolicyRules:
                - {action: Restart, exitCodes: {operator: In, values: [3]}}
                volumeMounts: [{name: state, mountPath: /state}]
              - name: keeper
                image: busybox
                command: [sleep, "86400"]
              volumes: [{name: state, emptyDir: {}}]
            """;
        var expected = Status("Running", Conditions(unready: "retry"), $$$"""
            [
              {"containerID": "<id:k>", "image": "busybox", "imageID": "", "lastState": {}, "name": "keeper", "ready": true, "resources": {},
               "restartCount": 0, "started": true, "state": {"running": {"startedAt": "<time>"}}, "volumeMounts": {{{Mounts()}}}},
              {"containerID": "<id:r2>", "image": "busybox", "imageID": "",
               "lastState": {"terminated": {"containerID": "<id:r1>", "exitCode": 3, "finishedAt": "<time>", "reason": "Error", "startedAt": "<time>"}},
               "name": "retry", "ready": false, "resources": {}, "restartCount": 1, "started": false,
               "state": {"terminated": {"containerID": "<id:r2>", "exitCode": 1, "finishedAt": "<time>", "reason": "Error", "startedAt": "<time>"}},
               "volumeMounts": {{{Mounts("/state")}}}}
            ]
            """);

        await CaptureAsync(pod, p => p.Status.ContainerStatuses?.FirstOrDefault(s => s.Name == "retry")?.State?.Terminated?.ExitCode == 1
                && p.Status.ContainerStatuses.Any(s => s.Name == "keeper" && s.Ready),
            "retry terminated with 1 and keeper ready", expected);
    }

    /// <summary>
    /// reboot.json: the node rebooted under a running pod. Here serve restarts with its container shim killed (the
    /// containers are lost, the sandbox and volumes stay, docs/lifecycle.md §6.10). Deliberate exception: the capture's lastState is containerd's record
    /// of the task lost in the reboot (exitCode 255, reason Unknown, with containerID and times); the process runtime
    /// keeps no record of a lost process, so the kubelet's rule for a Running container without a runtime record applies
    /// (convertToAPIContainerStatuses: ContainerStatusUnknown, 137, no times, restartCount + 1) — as upstream when
    /// containerd's record is gone too.
    /// </summary>
    [Fact]
    public async Task RunningPodAfterItsContainersWereLost()
    {
        const string pod = """
            apiVersion: v1
            kind: Pod
            metadata: {name: golden-reboot}
            spec:
              containers:
              - name: app
                image: busybox
                command: [sleep, "86400"]
            """;
        var expected = Status("Running", Conditions(unready: null), $$$"""
            [
              {"containerID": "<id:a>", "image": "busybox", "imageID": "",
               "lastState": {"terminated": {"exitCode": 137, "finishedAt": null, "startedAt": null, "reason": "ContainerStatusUnknown",
                             "message": "The container could not be located when the pod was deleted.  The container used to be Running"}},
               "name": "app", "ready": true, "resources": {}, "restartCount": 1, "started": true,
               "state": {"running": {"startedAt": "<time>"}}, "volumeMounts": {{{Mounts()}}}}
            ]
            """);

        await using var h = await ServeHarness.StartAsync();
        await h.Client.CoreV1.CreateNamespacedPodAsync(Manifests.Pod(h, pod), "default");
        await WaitAsync(h, "golden-reboot", p => ConditionIs(p, "Ready", "True"), "Ready");
        await h.RestartLosingContainersAsync();

        GoldenStatus.Assert(await WaitAsync(h, "golden-reboot", p => ConditionIs(p, "Ready", "True") && p.Status.ContainerStatuses[0].RestartCount == 1,
            "Ready again with one restart"), expected);
        await h.StopAsync();
    }

    private static bool ConditionIs(V1Pod pod, string type, string status) =>
        pod.Status.Conditions?.Any(c => c.Type == type && c.Status == status) == true;
}
