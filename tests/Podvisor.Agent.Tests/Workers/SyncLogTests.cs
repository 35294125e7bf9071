using Podvisor.Agent.Tests.Support;

namespace Podvisor.Agent.Tests.Workers;

/// <summary>Each sync step logs one Debug line that says what was decided and why.</summary>
public sealed class SyncLogTests
{
    [Fact]
    public async Task APlannedRestartAll_LogsItsCause()
    {
        await using var h = new ScenarioHarness();
        var pod = await h.RunAsync("""
            metadata: {name: logged}
            spec:
              restartPolicy: Never
              containers:
              - name: source
                command: ["sleep", "10000"]
                restartPolicy: Never
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
              - {name: other, command: ["sleep", "10000"]}
            """);

        await h.ExitAsync(pod, "source", 42);

        var uid = pod.Metadata.Uid;
        Assert.Contains(h.Logs.Lines, l => l.StartsWith($"Debug: Pod {uid} (Running): ", StringComparison.Ordinal)
            && l.Contains("restartAll=container \"source\" exited with code 42 matching restartPolicyRules[0]", StringComparison.Ordinal));
        Assert.Contains(h.Logs.Lines, l => l.StartsWith($"Debug: Pod {uid} synced: failed=False", StringComparison.Ordinal));
    }
}
