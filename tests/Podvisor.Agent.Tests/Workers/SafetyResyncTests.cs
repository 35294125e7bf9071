using Podvisor.Agent.Tests.Support;
using Podvisor.Core.Model;

namespace Podvisor.Agent.Tests.Workers;

/// <summary>The 1-minute safety resync (docs/decisions.md): skipped while nothing changed, a full sync when the runtime did.</summary>
public sealed class SafetyResyncTests
{
    private static readonly TimeSpan Resync = TimeSpan.FromMinutes(1);

    private const string Pod = """
        metadata: {name: resync}
        spec:
          restartPolicy: Never
          containers:
          - {name: c, command: ["sleep", "3600"]}
        """;

    [Fact]
    public async Task AQuietResyncTakesOneRuntimeSnapshotAndWritesNothing()
    {
        await using var h = new ScenarioHarness();
        var pod = await h.RunAsync(Pod);
        var snapshots = h.Runtime.Snapshots;
        var statuses = h.History(pod).Count;
        var calls = h.Runtime.Calls.Count;

        await h.AdvanceAsync(10 * Resync, Resync);

        Assert.Equal(snapshots + 10, h.Runtime.Snapshots);
        Assert.Equal(statuses, h.History(pod).Count);
        Assert.Equal(calls, h.Runtime.Calls.Count);
    }

    [Fact]
    public async Task ARuntimeChangeWithoutAnEventIsFoundByTheNextResync()
    {
        await using var h = new ScenarioHarness();
        var pod = await h.RunAsync(Pod);
        await h.AdvanceAsync(3 * Resync, Resync);

        h.Runtime.Exit(pod.Metadata.Uid, "c", 3, silently: true);
        await h.AdvanceAsync(Resync - TimeSpan.FromSeconds(1), Resync - TimeSpan.FromSeconds(1));
        Assert.NotNull(h.Container(pod, "c").State.Running);

        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(3, h.Container(pod, "c").State.Terminated?.ExitCode);
        Assert.Equal(PodPhases.Failed, h.Status(pod).Phase);
    }

    [Fact]
    public async Task AnEventAfterAQuietResyncStillSyncsAtOnce()
    {
        await using var h = new ScenarioHarness();
        var pod = await h.RunAsync(Pod);
        await h.AdvanceAsync(2 * Resync, Resync);

        await h.ExitAsync(pod, "c", 0);

        Assert.Equal(0, h.Container(pod, "c").State.Terminated?.ExitCode);
        Assert.Equal(PodPhases.Succeeded, h.Status(pod).Phase);
    }
}
