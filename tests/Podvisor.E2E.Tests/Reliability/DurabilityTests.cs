using k8s;
using k8s.Models;
using Podvisor.E2E.Tests.Serve;

namespace Podvisor.E2E.Tests.Reliability;

/// <summary>
/// A write that got its 200/201 survives SIGKILL of <c>podvisor serve</c> (docs/durability.md), and a graceful delete
/// interrupted by SIGKILL completes after the restart and leaves nothing on the host.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class DurabilityTests
{
    private const int Rounds = 10;

    [Fact]
    public async Task AcknowledgedCreatesPatchesAndDeletesSurviveSIGKILLRightAfterTheAcknowledgement()
    {
        await using var h = await ServeHarness.StartAsync();
        var expected = new Dictionary<string, string?>(); // pod name -> the label "round" it must carry
        for (var round = 1; round <= Rounds; round++)
        {
            var writes = new List<Task>
            {
                h.Client.CoreV1.CreateNamespacedPodAsync(Pod($"r{round}-a"), "default"),
                h.Client.CoreV1.CreateNamespacedPodAsync(Pod($"r{round}-b"), "default"),
            };
            if (round > 1)
            {
                var patch = new V1Patch($"{{\"metadata\":{{\"labels\":{{\"round\":\"{round}\"}}}}}}", V1Patch.PatchType.MergePatch);
                writes.Add(h.Client.CoreV1.PatchNamespacedPodAsync(patch, $"r{round - 1}-a", "default"));
                writes.Add(h.Client.CoreV1.DeleteNamespacedPodAsync($"r{round - 1}-b", "default", gracePeriodSeconds: 0));
                expected[$"r{round - 1}-a"] = round.ToString(System.Globalization.CultureInfo.InvariantCulture);
                expected.Remove($"r{round - 1}-b");
            }

            await Task.WhenAll(writes);
            expected[$"r{round}-a"] = null;
            expected[$"r{round}-b"] = null;
            await h.KillAndRestartAsync();

            var pods = (await h.Client.CoreV1.ListNamespacedPodAsync("default")).Items;
            var actual = pods.ToDictionary(p => p.Metadata.Name, p => p.Metadata.Labels is { } labels && labels.TryGetValue("round", out var r) ? r : null);
            Assert.Equal(expected.OrderBy(e => e.Key), actual.OrderBy(e => e.Key));
        }

        // Force deletes (grace 0) cut off by SIGKILL left their sandboxes behind until serve removed orphaned runtime
        // pods at start: nothing may be left now.
        await h.StopAsync();
    }

    [Fact]
    public async Task AGracefulDeleteInterruptedBySIGKILLCompletesAfterTheRestartAndLeavesNothingBehind()
    {
        await using var h = await ServeHarness.StartAsync();
        var pod = Pod("stopping");
        pod.Spec.RestartPolicy = "Always";
        pod.Spec.Containers[0].Command = ["sh", "-c", "trap 'while [ ! -f /gate/stop ]; do sleep 0.1; done; exit 0' TERM; sleep 3600 & wait"];
        pod.Spec.Containers[0].VolumeMounts = [new V1VolumeMount { Name = "gate", MountPath = "/gate" }];
        pod.Spec.Volumes = [new V1Volume { Name = "gate", HostPath = new V1HostPathVolumeSource { Path = h.GateDir } }];
        pod.Spec.TerminationGracePeriodSeconds = 60;
        await h.Client.CoreV1.CreateNamespacedPodAsync(pod, "default");
        using (var watcher = await h.WatchPodAsync("stopping"))
        {
            await watcher.WaitAsync(p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Running is not null, "running");
        }

        var sandbox = Assert.Single(RuntimeRecords.Sandboxes(h.DataDir));

        await h.Client.CoreV1.DeleteNamespacedPodAsync("stopping", "default");
        await h.KillAndRestartAsync();
        h.OpenGate("stop");

        await WaitGoneAsync(h.Client, "stopping");
        Assert.Empty(RuntimeRecords.Sandboxes(h.DataDir));
        Assert.False(sandbox.NetnsExists, "the network namespace is left behind");
        Assert.False(sandbox.HoldsIp, "the IP claim is left behind");
        Assert.False(Directory.Exists(Path.Combine(h.DataDir, "pods", sandbox.PodUid)), "the pod directory is left behind");
        await h.StopAsync();
    }

    /// <summary>Lists, then watches from the list until the pod is gone (one overall timeout).</summary>
    private static async Task WaitGoneAsync(Kubernetes client, string name)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var list = await client.CoreV1.ListNamespacedPodAsync("default", fieldSelector: "metadata.name=" + name, cancellationToken: cts.Token);
        if (list.Items.Count == 0)
        {
            return;
        }

        await foreach (var (type, _) in client.CoreV1.WatchListNamespacedPodAsync("default", fieldSelector: "metadata.name=" + name, resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cts.Token))
        {
            if (type == WatchEventType.Deleted)
            {
                return;
            }
        }
    }

    private static V1Pod Pod(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            RestartPolicy = "Never",
            TerminationGracePeriodSeconds = 1,
            Containers = [new V1Container { Name = "main", Image = "busybox", Command = ["true"] }],
        },
    };
}
