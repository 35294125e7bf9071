using k8s;
using k8s.Models;
using Podvisor.Agent.Tests.Support;

namespace Podvisor.Agent.Tests.Workers;

/// <summary>One worker per pod, and the agent's read-back of the pods it holds.</summary>
public sealed class PodWorkersTests
{
    private const string Pod = """
        metadata: {name: web, namespace: default}
        spec:
          containers:
          - {name: app, command: ["sleep", "3600"]}
        """;

    [Fact]
    public async Task ConcurrentUpsertsOfNewPods_RunEachOnce()
    {
        await using var h = new ScenarioHarness();
        var pods = Enumerable.Range(0, 50).Select(i =>
        {
            var pod = KubernetesYaml.Deserialize<V1Pod>(Pod);
            pod.Metadata.Name = $"web-{i}";
            pod.Metadata.Uid = Guid.NewGuid().ToString();
            return pod;
        }).ToList();

        // Two threads hand every new pod over at the same moment (a create racing a patch, say).
        using var barrier = new Barrier(2);
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Factory.StartNew(() =>
        {
            foreach (var pod in pods)
            {
                barrier.SignalAndWait();
                h.Agent.UpsertPod(pod);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));
        await h.SettleAsync();

        Assert.Equal(pods.Count, h.Started().Count);
        Assert.Equal(pods.Count, h.EventsWithReason("Scheduled").Count);
        Assert.Equal(pods.Select(p => p.Metadata.Uid).Order(), h.Agent.GetPods().Select(p => p.Metadata.Uid).Order());
    }

    [Fact]
    public async Task GetPods_HoldsTheLatestSpecAndTheDeletionMark_UntilThePodIsGone()
    {
        await using var h = new ScenarioHarness();
        var pod = await h.RunAsync(Pod);
        var relabelled = KubernetesYaml.Deserialize<V1Pod>(KubernetesYaml.Serialize(pod));
        relabelled.Metadata.Labels = new Dictionary<string, string> { ["tier"] = "web" };
        h.Agent.UpsertPod(relabelled);
        await h.SettleAsync();
        Assert.Equal("web", h.Agent.GetPods().Single().Metadata.Labels["tier"]);

        h.Agent.DeletePod(pod.Metadata.Uid, 30);
        Assert.NotNull(h.Agent.GetPods().Single().Metadata.DeletionTimestamp);
        await h.SettleAsync();

        Assert.Empty(h.Agent.GetPods());
    }
}
