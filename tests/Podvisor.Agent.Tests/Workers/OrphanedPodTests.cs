using Podvisor.Agent.Tests.Support;
using Podvisor.Core.Model;
using Podvisor.Runtime;

namespace Podvisor.Agent.Tests.Workers;

/// <summary>Runtime pods no stored pod owns are removed at start (the kubelet's HandlePodCleanups).</summary>
public sealed class OrphanedPodTests
{
    private const string Pod = """
        metadata: {name: kept}
        spec:
          containers:
          - {name: c, command: ["sleep", "3600"]}
        """;

    [Fact]
    public async Task ARuntimePodWithoutAPodIsStoppedWithTwoSecondsAndRemovedAndKnownPodsAreLeftAlone()
    {
        await using var h = new ScenarioHarness();
        var kept = await h.RunAsync(Pod);
        var orphan = Guid.NewGuid().ToString();
        var sandbox = await h.Runtime.RunPodSandboxAsync(new PodSandboxConfig { PodUid = orphan, Name = "gone", Namespace = "default" }, CancellationToken.None);
        var container = await h.Runtime.CreateContainerAsync(sandbox, new ContainerConfig
        {
            Name = "leftover", Kind = ContainerKind.Regular, Hash = "h", Argv = ["sleep", "3600"], LogPath = "/dev/null",
        }, CancellationToken.None);
        await h.Runtime.StartContainerAsync(container, CancellationToken.None);
        var mark = h.Runtime.Calls.Count;

        await h.Agent.RemoveOrphanedPodsAsync();

        Assert.Equal(["Stop leftover 2s", "Exited leftover 143", "Remove leftover"], h.CallsSince(mark).Where(c => c.Contains("leftover", StringComparison.Ordinal)));
        Assert.Equal([kept.Metadata.Uid], h.Runtime.PodUids);
        Assert.Equal(RuntimeContainerState.Running, h.Runtime.GetPodStatus(kept.Metadata.Uid).Containers.Single().State);
    }
}
