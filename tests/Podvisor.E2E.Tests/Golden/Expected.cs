using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Podvisor.E2E.Tests.Serve;

namespace Podvisor.E2E.Tests.Golden;

/// <summary>
/// Pieces of the expected status documents (<see cref="GoldenStatus"/> markers) that every v1.36 capture shares, and
/// the one way a golden test runs its pod.
/// </summary>
internal static class Expected
{
    /// <summary>The ServiceAccount admission plugin's token mount, read-only, as in every capture.</summary>
    public const string ReadOnlyMount = """{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "<kube-api-access>", "readOnly": true, "recursiveReadOnly": "Disabled"}""";

    /// <summary>The <c>volumeMounts</c> status of a container: <paramref name="writable"/> mounts, then <see cref="ReadOnlyMount"/>.</summary>
    public static string Mounts(params string[] writable) =>
        "[" + string.Join(", ", writable.Select(path => $$"""{"mountPath": "{{path}}", "name": "{{path.TrimStart('/')}}"}""").Append(ReadOnlyMount)) + "]";

    /// <summary>A condition the kubelet owns: lastProbeTime null, observedGeneration 1 (v1.36), reason/message when given.</summary>
    public static string Condition(string type, string status = "True", string? reason = null, string? message = null)
    {
        var extra = (reason is null ? "" : $$""", "reason": "{{reason}}" """) + (message is null ? "" : $$""", "message": "{{message}}" """);
        return $$"""{"lastProbeTime": null, "lastTransitionTime": "<time>", "observedGeneration": 1, "status": "{{status}}", "type": "{{type}}"{{extra}}}""";
    }

    /// <summary>Ready and ContainersReady: True, or False with ContainersNotReady naming the unready containers.</summary>
    public static string Readiness(string? unready) => unready is null
        ? $"{Condition("Ready")}, {Condition("ContainersReady")}"
        : $"{Condition("Ready", "False", "ContainersNotReady", $"containers with unready status: [{unready}]")}, "
          + Condition("ContainersReady", "False", "ContainersNotReady", $"containers with unready status: [{unready}]");

    /// <summary>The conditions of an initialised pod, in the kubelet's order, with <paramref name="extra"/> appended.</summary>
    public static string Conditions(string? unready, string initialized = "", string extra = "") =>
        $"[{Condition("PodReadyToStartContainers")}, {(initialized.Length > 0 ? initialized : Condition("Initialized"))}, "
        + $"{Readiness(unready)}, {Condition("PodScheduled")}{extra}]";

    /// <summary>
    /// A whole status: the given phase, conditions and container statuses, and the fields every capture shows the same
    /// way (addresses, observedGeneration, startTime; BestEffort and empty resources unless given).
    /// </summary>
    public static string Status(
        string phase, string conditions, string containerStatuses, string? initContainerStatuses = null,
        string qosClass = "BestEffort", string resources = "{}", string? allocatedResources = null) => $$"""
        {
          {{(allocatedResources is null ? "" : $"\"allocatedResources\": {allocatedResources},")}}
          "conditions": {{conditions}},
          "containerStatuses": {{containerStatuses}},
          {{(initContainerStatuses is null ? "" : $"\"initContainerStatuses\": {initContainerStatuses},")}}
          "hostIP": "<ip>", "hostIPs": [{"ip": "<ip>"}],
          "observedGeneration": 1, "phase": "{{phase}}",
          "podIP": "<ip>", "podIPs": [{"ip": "<ip>"}],
          "qosClass": "{{qosClass}}", "resources": {{resources}}, "startTime": "<time>"
        }
        """;

    /// <summary>
    /// Starts a serve, creates the pod, waits (one overall timeout) for the version <paramref name="until"/> describes and
    /// compares it with <paramref name="expected"/>; then deletes the pod and checks that serve left nothing behind.
    /// </summary>
    public static async Task CaptureAsync(string yaml, Func<V1Pod, bool> until, string what, string expected)
    {
        await using var h = await ServeHarness.StartAsync();
        await h.Client.CoreV1.CreateNamespacedPodAsync(Manifests.Pod(h, yaml), "default");
        GoldenStatus.Assert(await WaitAsync(h, NameOf(yaml), until, what), expected);
        await h.StopAsync();
    }

    /// <summary>The JSON of the first version of pod <paramref name="name"/> that satisfies <paramref name="until"/>.</summary>
    public static async Task<JsonObject> WaitAsync(ServeHarness h, string name, Func<V1Pod, bool> until, string what)
    {
        using var watch = RawPodWatch.Start(h, name);
        return (await watch.WaitAsync(until, what)).Json;
    }

    public static string NameOf(string yaml) => KubernetesYaml.Deserialize<V1Pod>(yaml).Metadata.Name;
}
