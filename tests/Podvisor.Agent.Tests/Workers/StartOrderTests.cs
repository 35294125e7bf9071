using Podvisor.Agent.Tests.Support;

namespace Podvisor.Agent.Tests.Workers;

/// <summary>Regular container starts around postStart hooks keep upstream's SyncPod order (docs/decisions.md).</summary>
public sealed class StartOrderTests
{
    private const string Pod = """
        metadata: {name: order}
        spec:
          containers:
          - {name: a, command: ["sleep", "3600"]}
          - name: b
            command: ["sleep", "3600"]
            lifecycle: {postStart: {exec: {command: ["true"]}}}
          - {name: c, command: ["sleep", "3600"]}
          - {name: d, command: ["sleep", "3600"]}
          - name: e
            command: ["sleep", "3600"]
            lifecycle: {postStart: {exec: {command: ["true"]}}}
        """;

    [Fact]
    public async Task AContainerWithPostStartStartsAfterEveryEarlierOneAndBeforeAnyLaterOneItsHookFinishesFirst()
    {
        await using var h = new ScenarioHarness();
        await h.RunAsync(Pod);
        var calls = h.Runtime.Calls.Where(c => c.StartsWith("Start ", StringComparison.Ordinal) || c.StartsWith("Exec ", StringComparison.Ordinal)).ToList();

        int At(string call) => calls.IndexOf(call);
        Assert.True(At("Start a") < At("Start b"), string.Join(", ", calls));
        Assert.True(At("Start b") < At("Exec b") && At("Exec b") < At("Start c") && At("Exec b") < At("Start d"), string.Join(", ", calls));
        Assert.True(At("Start c") < At("Start e") && At("Start d") < At("Start e") && At("Start e") < At("Exec e"), string.Join(", ", calls));
    }
}
