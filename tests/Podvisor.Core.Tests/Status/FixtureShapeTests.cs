using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Podvisor.Core.Model;
using Podvisor.Core.Status;
using Podvisor.Core.Tests.Support;
using static Podvisor.Core.Tests.Support.StatusPods;

namespace Podvisor.Core.Tests.Status;

/// <summary>
/// Compares the JSON shape of generated statuses with real v1.36 captures (murat-akpinar/k8rs tests/fixtures). The
/// expected documents below are those captures' <c>status</c> sections with addresses, ids and times replaced by
/// placeholders. Compared: the set of non-null field paths (array elements keyed by name/type) and selected values.
/// Not compared: explicit JSON nulls (<c>lastProbeTime: null</c>, <c>startedAt: null</c>), which Go prints and the
/// KubernetesClient serializer omits (the API layer's concern), and <c>user</c> (the runtime reports no uid/gid).
/// </summary>
public class FixtureShapeTests
{
    private const string GangStatus = """
    {
      "conditions": [
        {"lastProbeTime": null, "lastTransitionTime": "T", "observedGeneration": 1, "status": "True", "type": "PodReadyToStartContainers"},
        {"lastProbeTime": null, "lastTransitionTime": "T", "observedGeneration": 1, "status": "True", "type": "Initialized"},
        {"lastProbeTime": null, "lastTransitionTime": "T", "observedGeneration": 1, "status": "True", "type": "Ready"},
        {"lastProbeTime": null, "lastTransitionTime": "T", "observedGeneration": 1, "status": "True", "type": "ContainersReady"},
        {"lastProbeTime": null, "lastTransitionTime": "T", "observedGeneration": 1, "status": "True", "type": "PodScheduled"},
        {"lastProbeTime": null, "lastTransitionTime": "T", "status": "False", "type": "AllContainersRestarting"}
      ],
      "containerStatuses": [
        {
          "containerID": "containerd://b", "image": "docker.io/library/busybox:latest", "imageID": "I",
          "lastState": {"terminated": {"exitCode": 137, "finishedAt": null, "message": "The container is removed because RestartAllContainers in place", "reason": "RestartingAllContainers", "startedAt": null}},
          "name": "bystander", "ready": true, "resources": {}, "restartCount": 3, "started": true,
          "state": {"running": {"startedAt": "T"}},
          "user": {"linux": {"gid": 0, "supplementalGroups": [0, 10], "uid": 0}},
          "volumeMounts": [{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access", "readOnly": true, "recursiveReadOnly": "Disabled"}]
        },
        {
          "containerID": "containerd://t", "image": "docker.io/library/busybox:latest", "imageID": "I",
          "lastState": {"terminated": {"exitCode": 137, "finishedAt": null, "message": "The container is removed because RestartAllContainers in place", "reason": "RestartingAllContainers", "startedAt": null}},
          "name": "trigger", "ready": true, "resources": {}, "restartCount": 3, "started": true,
          "state": {"running": {"startedAt": "T"}},
          "user": {"linux": {"gid": 0, "supplementalGroups": [0, 10], "uid": 0}},
          "volumeMounts": [
            {"mountPath": "/state", "name": "runs"},
            {"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access", "readOnly": true, "recursiveReadOnly": "Disabled"}
          ]
        }
      ],
      "hostIP": "H", "hostIPs": [{"ip": "H"}], "observedGeneration": 1, "phase": "Running",
      "podIP": "P", "podIPs": [{"ip": "P"}], "qosClass": "BestEffort", "resources": {}, "startTime": "T"
    }
    """;

    private const string InitStatus = """
    {
      "conditions": [
        {"lastProbeTime": null, "lastTransitionTime": "T", "observedGeneration": 1, "status": "True", "type": "PodReadyToStartContainers"},
        {"lastProbeTime": null, "lastTransitionTime": "T", "message": "containers with incomplete status: [migrate]", "observedGeneration": 1, "reason": "ContainersNotInitialized", "status": "False", "type": "Initialized"},
        {"lastProbeTime": null, "lastTransitionTime": "T", "message": "containers with unready status: [app]", "observedGeneration": 1, "reason": "ContainersNotReady", "status": "False", "type": "Ready"},
        {"lastProbeTime": null, "lastTransitionTime": "T", "message": "containers with unready status: [app]", "observedGeneration": 1, "reason": "ContainersNotReady", "status": "False", "type": "ContainersReady"},
        {"lastProbeTime": null, "lastTransitionTime": "T", "observedGeneration": 1, "status": "True", "type": "PodScheduled"}
      ],
      "containerStatuses": [
        {"image": "busybox", "imageID": "", "lastState": {}, "name": "app", "ready": false, "restartCount": 0, "started": false,
         "state": {"waiting": {"reason": "PodInitializing"}},
         "volumeMounts": [{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access", "readOnly": true, "recursiveReadOnly": "Disabled"}]}
      ],
      "hostIP": "H", "hostIPs": [{"ip": "H"}],
      "initContainerStatuses": [
        {"containerID": "containerd://m", "image": "docker.io/library/busybox:latest", "imageID": "I",
         "lastState": {"terminated": {"containerID": "containerd://m", "exitCode": 1, "finishedAt": "T", "reason": "Error", "startedAt": "T"}},
         "name": "migrate", "ready": false, "resources": {}, "restartCount": 16, "started": false,
         "state": {"waiting": {"message": "back-off 5m0s restarting failed container=migrate pod=broken-init_default(uid)", "reason": "CrashLoopBackOff"}},
         "user": {"linux": {"gid": 0, "supplementalGroups": [0, 10], "uid": 0}},
         "volumeMounts": [{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access", "readOnly": true, "recursiveReadOnly": "Disabled"}]}
      ],
      "observedGeneration": 1, "phase": "Pending", "podIP": "P", "podIPs": [{"ip": "P"}], "qosClass": "BestEffort", "resources": {}, "startTime": "T"
    }
    """;

    private static V1VolumeMount Token() => new() { Name = "kube-api-access", MountPath = "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnlyProperty = true };

    [Fact]
    public void GangCaptureShapeAfterThreeRestartAllCycles()
    {
        var trigger = C("trigger", "Never", RestartAllOn(3));
        trigger.VolumeMounts = [new V1VolumeMount { Name = "runs", MountPath = "/state" }, Token()];
        var bystander = C("bystander");
        bystander.VolumeMounts = [Token()];
        var seq = new StatusSequence(Pod("Never", [trigger, bystander]));

        seq.Step(StatusRuntimeBuilder.WithSandbox().Running("trigger").Running("bystander"));
        for (var cycle = 0; cycle < 3; cycle++)
        {
            seq.Step(StatusRuntimeBuilder.WithSandbox().Exited("trigger", 3, cycle).Running("bystander", cycle));
            seq.Step(StatusRuntimeBuilder.WithSandbox().Exited("trigger", 3, cycle));
            seq.Step(StatusRuntimeBuilder.WithSandbox());
            seq.Step(StatusRuntimeBuilder.WithSandbox().Running("trigger").Running("bystander"));
        }

        AssertSameShape(GangStatus, seq.Current!);
        var actual = seq.Current!;
        Assert.Equal(PodPhases.Running, actual.Phase);
        Assert.All(actual.ContainerStatuses, c => Assert.Equal(3, c.RestartCount));
        Assert.All(actual.ContainerStatuses, c => Assert.True(c.Ready && c.Started == true));
        Assert.All(actual.ContainerStatuses, c => Assert.Equal(ContainerReasons.RestartAllRemovedMessage, c.LastState.Terminated.Message));
        Assert.Equal(["True", "True", "True", "True", "True", "False"], actual.Conditions.Select(c => c.Status));
    }

    [Fact]
    public void InitCaptureShapeDuringInitCrashLoop()
    {
        var migrate = C("migrate");
        migrate.VolumeMounts = [Token()];
        var app = C("app");
        app.VolumeMounts = [Token()];
        var seq = new StatusSequence(Pod("Always", [app], [migrate]));
        seq.ReasonCache["migrate"] = new ContainerStartFailure(
            ContainerReasons.CrashLoopBackOff, "back-off 5m0s restarting failed container=migrate pod=broken-init_default(uid)");

        var status = seq.Step(StatusRuntimeBuilder.WithSandbox().Exited("migrate", 1, restartCount: 16));

        AssertSameShape(InitStatus, status);
        Assert.Equal(PodPhases.Pending, status.Phase);
        Assert.Equal(16, status.Container("migrate").RestartCount);
        Assert.Equal(status.Container("migrate").ContainerID, status.Container("migrate").LastState.Terminated.ContainerID);
    }

    private static void AssertSameShape(string expectedJson, V1PodStatus actual)
    {
        var expected = Paths(JsonNode.Parse(expectedJson)!).Where(p => !p.Contains(".user", StringComparison.Ordinal)).ToHashSet();
        var actualPaths = Paths(JsonNode.Parse(KubernetesJson.Serialize(actual))!).ToHashSet();
        Assert.True(expected.Count > 40, "the expected shape must be the whole status");
        Assert.Equal(expected.Order(StringComparer.Ordinal), actualPaths.Order(StringComparer.Ordinal));
    }

    /// <summary>Every non-null field path; array elements are keyed by their name or type, else by "[]".</summary>
    private static IEnumerable<string> Paths(JsonNode node, string prefix = "")
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (value is null)
                    {
                        continue;
                    }

                    var path = prefix.Length == 0 ? key : prefix + "." + key;
                    yield return path;
                    foreach (var child in Paths(value, path))
                    {
                        yield return child;
                    }
                }

                break;
            case JsonArray array:
                foreach (var element in array.OfType<JsonNode>())
                {
                    var key = (element as JsonObject)?["name"]?.ToString() ?? (element as JsonObject)?["type"]?.ToString() ?? "[]";
                    foreach (var child in Paths(element, prefix + "[" + key + "]"))
                    {
                        yield return child;
                    }
                }

                break;
        }
    }
}
