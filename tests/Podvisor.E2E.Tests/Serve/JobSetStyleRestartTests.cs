using k8s;
using k8s.Models;
using Podvisor.E2E.Tests.Api;

namespace Podvisor.E2E.Tests.Serve;

/// <summary>
/// JobSet's in-place restart (issue 12 item 6) against serve: an agent sidecar reads its pod through the API with its
/// ServiceAccount token, opens a startupProbe barrier that gates the worker only after that read, watches its pod
/// (field selector) and, when the restart generation the test annotates is above the one it observed, patches the
/// observed generation and exits 1: its <c>RestartAllContainers</c> rule on <c>NotIn [0]</c> restarts every container in
/// place. Two generations, two in-place restarts; the pod keeps its UID, IP, annotations and emptyDir.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class JobSetStyleRestartTests
{
    private const string Generation = "example.com/restart-generation";
    private const string Observed = "example.com/observed-generation";

    private const string Agent = $$"""
        import http.server, threading
        GEN, OBS = "{{Generation}}", "{{Observed}}"
        pod = v1.read_namespaced_pod(NAME, NS)
        observed = int((pod.metadata.annotations or {}).get(OBS, "0"))
        print("agent read", pod.metadata.uid, "observed", observed)

        class Barrier(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"pod read")
            def log_message(self, *args):
                pass

        # Listening only now, after the read: the startupProbe (and so the worker) waits for the API.
        server = http.server.HTTPServer(("0.0.0.0", 8080), Barrier)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        for event in watch.Watch().stream(v1.list_namespaced_pod, NS, field_selector="metadata.name=" + NAME):
            generation = int((event["object"].metadata.annotations or {}).get(GEN, "0"))
            if generation > observed:
                v1.patch_namespaced_pod(NAME, NS, dict(metadata=dict(annotations={OBS: str(generation)})))
                print("agent observed generation", generation, "restarting all containers")
                sys.exit(1)
        """;

    private const string Worker = """
        import time
        with open("/work/runs", "a") as runs:
            runs.write("run\n")
        print("worker run", len(open("/work/runs").readlines()), "of", NAME)
        while True:
            time.sleep(3600)
        """;

    private static readonly string Pod = $$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: jobset-worker-0}
        spec:
          restartPolicy: Never
          terminationGracePeriodSeconds: 1
          initContainers:
          - name: agent
            image: python:3.12
            restartPolicy: Always
            restartPolicyRules:
            - action: RestartAllContainers
              exitCodes: {operator: NotIn, values: [0]}
            startupProbe:
              httpGet: {path: /, port: 8080}
              periodSeconds: 1
              failureThreshold: 30
        {{InClusterPods.PythonCommand(Agent, 4)}}
          containers:
          - name: worker
            image: python:3.12
            restartPolicy: Never
        {{InClusterPods.PythonCommand(Worker, 4)}}
            volumeMounts: [{name: work, mountPath: /work}]
          volumes:
          - {name: work, emptyDir: {} }
        """;

    [InClusterFact]
    public async Task TheAgentSidecarRestartsEveryContainerInPlaceForEachRestartGeneration()
    {
        await using var h = await ServeHarness.StartAsync();
        var k = h.Kubectl(InClusterPods.KubectlVersion);
        await InClusterPods.ApplyAsync(k, Pod);
        using var watch = await h.WatchPodAsync("jobset-worker-0");
        var before = await watch.WaitAsync(p => Cycled(p, 0), "the worker running behind the agent's barrier");
        await WorkerRunAsync(k, 1);
        Assert.Equal($"agent read {before.Metadata.Uid} observed 0\n", await k.OkAsync("logs", "jobset-worker-0", "-c", "agent"));

        foreach (var generation in new[] { 1, 2 })
        {
            await k.OkAsync("annotate", "--overwrite", "pod/jobset-worker-0", $"{Generation}={generation}");
            await watch.WaitAsync(p => Condition(p, "AllContainersRestarting") == "True", $"AllContainersRestarting=True for generation {generation}");
            await watch.WaitAsync(p => Cycled(p, generation), $"every container restarted in place for generation {generation}");
            await WorkerRunAsync(k, generation + 1);
        }

        var after = await h.Client.CoreV1.ReadNamespacedPodAsync("jobset-worker-0", "default");
        Assert.Equal(before.Metadata.Uid, after.Metadata.Uid);
        Assert.Equal(before.Status.PodIP, after.Status.PodIP);
        Assert.Equal("2", after.Metadata.Annotations[Generation]);
        Assert.Equal("2", after.Metadata.Annotations[Observed]);
        Assert.Contains("kubectl.kubernetes.io/last-applied-configuration", after.Metadata.Annotations.Keys);
        foreach (var status in after.Status.InitContainerStatuses.Concat(after.Status.ContainerStatuses))
        {
            Assert.Equal(2, status.RestartCount);
            Assert.Equal("RestartingAllContainers", status.LastState.Terminated?.Reason);
        }

        // The sidecar's second instance saw generation 2; the one it replaced was the one that requested it.
        Assert.Equal($"agent read {before.Metadata.Uid} observed 2\n", await k.OkAsync("logs", "jobset-worker-0", "-c", "agent"));
        Assert.Equal($"agent read {before.Metadata.Uid} observed 1\nagent observed generation 2 restarting all containers\n",
            await k.OkAsync("logs", "jobset-worker-0", "-c", "agent", "--previous"));
        Assert.Equal("worker run 2 of jobset-worker-0\n", await k.OkAsync("logs", "jobset-worker-0", "-c", "worker", "--previous"));
        Assert.Equal("worker run 3 of jobset-worker-0\n", await k.OkAsync("logs", "jobset-worker-0", "-c", "worker"));

        var events = (await h.Client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=jobset-worker-0")).Items;
        Assert.Equal(
            Enumerable.Repeat("container \"agent\" exited with code 1 matching restartPolicyRules[0]; restarting all containers in place", 2),
            events.Where(e => e.Reason == "RestartAllContainers").SelectMany(e => Enumerable.Repeat(e.Message, e.Count ?? 1)));
        await h.StopAsync();
    }

    /// <summary>Waits until the worker's current instance logged its run (so it has started, and kept the emptyDir's count).</summary>
    private static async Task WorkerRunAsync(Kubectl k, int run)
    {
        using var logs = k.Stream("logs", "-f", "jobset-worker-0", "-c", "worker");
        await logs.WaitForLineAsync(l => l == $"worker run {run} of jobset-worker-0", $"the worker's run {run}");
    }

    /// <summary>
    /// The pod after <paramref name="restarts"/> in-place cycles: the condition is over, the agent started (its barrier
    /// open) and has recorded the generation, the worker runs; both restarted exactly that many times.
    /// </summary>
    private static bool Cycled(V1Pod pod, int restarts) =>
        Condition(pod, "AllContainersRestarting") is null or "False"
        && pod.Status?.InitContainerStatuses?.SingleOrDefault() is { Started: true, RestartCount: var agent } && agent == restarts
        && pod.Status.ContainerStatuses?.SingleOrDefault() is { State.Running: not null, RestartCount: var worker } && worker == restarts
        && (restarts == 0 || Annotation(pod, Observed) == restarts.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static string? Annotation(V1Pod pod, string key) => pod.Metadata.Annotations?.TryGetValue(key, out var value) == true ? value : null;

    private static string? Condition(V1Pod pod, string type) => pod.Status?.Conditions?.FirstOrDefault(c => c.Type == type)?.Status;
}
