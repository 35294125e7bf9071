using k8s;
using k8s.Models;
using Podvisor.E2E.Tests.Api;

namespace Podvisor.E2E.Tests.Serve;

/// <summary>
/// examples/ml-worker.yaml under <c>podvisor serve</c> with the real agent, driven by real kubectl 1.32 and 1.33: the
/// watcher sidecar's exit 88 restarts every container in place and kubectl shows it as on a cluster.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class MlWorkerTests
{
    public static TheoryData<string> Versions => new(Kubectl.Versions);

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task MlWorkerRestartsAllContainersInPlaceAsKubectlShowsIt(string version)
    {
        await using var h = await ServeHarness.StartAsync();
        var k = h.Kubectl(version);
        using var watch = k.Stream("get", "pods", "-w");
        Assert.Equal("pod/ml-worker created\n", await k.OkAsync("apply", "-f", Manifests.Example("ml-worker.yaml")));

        // get -w: the pod runs, restarts every container in place (RestartingAllContainers, or RESTARTS 0 -> 1), completes.
        await watch.WaitForLineAsync(l => PodRow.Parse(l) is { Name: "ml-worker", Status: "Running", RestartCount: 0 }, "Running with 0 restarts");
        await watch.WaitForLineAsync(l => PodRow.Parse(l) is { Name: "ml-worker" } row && (row.Status == "RestartingAllContainers" || row.RestartCount > 0), "the in-place restart");
        await watch.WaitForLineAsync(l => PodRow.Parse(l) is { Name: "ml-worker", Status: "Completed" }, "Completed");

        await k.OkAsync("wait", "--for=condition=AllContainersRestarting=False", "pod/ml-worker", "--timeout=30s");
        Assert.Equal("pod/ml-worker condition met\n", await k.OkAsync("wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/ml-worker", "--timeout=30s"));

        AssertDescribe(await k.OkAsync("describe", "pod", "ml-worker"));
        AssertLogs(await k.OkAsync("logs", "ml-worker", "-c", "main-application", "--previous"), await k.OkAsync("logs", "ml-worker", "-c", "main-application"));
        AssertStatuses(KubernetesJson.Deserialize<V1Pod>(await k.OkAsync("get", "pod", "ml-worker", "-o", "json")));
        await h.StopAsync();
    }

    private static void AssertDescribe(string text)
    {
        Assert.Matches(@"Status:\s+Succeeded\n", text);
        Assert.Matches(@"\nConditions:\n\s+Type\s+Status\n", text);
        foreach (var (type, status) in new[] { ("Initialized", "True"), ("Ready", "False"), ("PodScheduled", "True"), ("AllContainersRestarting", "False") })
        {
            Assert.Matches($@"\n\s+{type}\s+{status}\s*\n", text);
        }

        Assert.Matches(@"Normal\s+Scheduled\s+.*\s+default-scheduler\s+Successfully assigned default/ml-worker to \S+", text);
        Assert.Matches(@"Normal\s+RestartAllContainers\s+.*\s+kubelet\s+container ""watcher-sidecar"" exited with code 88 matching restartPolicyRules\[0\]; restarting all containers in place", text);
        Assert.Matches(@"Normal\s+Killing\s+.*\s+kubelet\s+", text);
        foreach (var name in new[] { "setup-environment", "watcher-sidecar", "main-application" })
        {
            // Each container was created and started twice (the first run and the in-place restart): "(x2 over ...)".
            Assert.Matches($@"Normal\s+Created\s+.*\(x2 over .*\)\s+kubelet\s+Created container: {name}\n", text);
            Assert.Matches($@"Normal\s+Started\s+.*\(x2 over .*\)\s+kubelet\s+Started container {name}\n", text);
        }
    }

    private static void AssertLogs(string previous, string current)
    {
        // The removed instance trained steps 1..5 and stopped at the corruption (docs/lifecycle.md §D11: its log survives the restart).
        Assert.StartsWith("resuming from checkpoint step 0 with learning_rate=0.01 batch=64\ntrained step 1\n", previous);
        Assert.EndsWith("trained step 5\nenvironment corrupted at step 5; waiting to be restarted\n", previous);
        Assert.DoesNotContain("trained step 6", previous);

        // The resumed instance starts from the checkpoint kept in the emptyDir.
        var resumed = string.Join("", Enumerable.Range(6, 5).Select(n => $"trained step {n}\n"));
        Assert.Equal($"resuming from checkpoint step 5 with learning_rate=0.01 batch=64\n{resumed}training done\n", current);
    }

    private static void AssertStatuses(V1Pod pod)
    {
        Assert.Equal("Succeeded", pod.Status.Phase);
        var statuses = pod.Status.InitContainerStatuses.Concat(pod.Status.ContainerStatuses).ToList();
        Assert.Equal(["setup-environment", "watcher-sidecar", "main-application"], statuses.Select(s => s.Name));
        foreach (var status in statuses)
        {
            Assert.Equal(1, status.RestartCount);
            Assert.Equal("RestartingAllContainers", status.LastState.Terminated.Reason);
            Assert.Equal(137, status.LastState.Terminated.ExitCode);
        }

        var main = pod.Status.ContainerStatuses.Single();
        Assert.Equal(("Completed", 0), (main.State.Terminated.Reason, main.State.Terminated.ExitCode));
        Assert.Contains(pod.Status.Conditions, c => c is { Type: "AllContainersRestarting", Status: "False" });
    }
}
