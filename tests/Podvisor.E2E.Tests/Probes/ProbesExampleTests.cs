using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Probes;

/// <summary><c>examples/probes.yaml</c> through the real command: it finishes by itself, shows the readiness flip and one liveness restart.</summary>
public sealed class ProbesExampleTests
{
    [RootFact]
    public async Task ProbesExample_RunsToSuccess_WithOneLivenessRestart()
    {
        var result = await PodvisorCli.RunAsync("run", Repository.Example("probes.yaml"), "-o", "json");
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.Stderr}");

        var list = PodList.Parse(result.Stdout);
        var pod = list.Pod("probes");
        Assert.Equal("Succeeded", pod.Status.Phase);
        var app = pod.Status.Container("app");
        Assert.Equal(1, app.RestartCount);
        Assert.Equal(143, app.LastState.Terminated.ExitCode);
        var events = list.Events.Select(e => (e.Reason, e.Message)).ToList();
        Assert.Contains(("Unhealthy", "Readiness probe failed: "), events);
        Assert.Contains(("Unhealthy", "Liveness probe failed: "), events);
        Assert.Contains(("Killing", "Container app failed liveness probe, will be restarted"), events);

        // The plain view (stderr) shows Ready flip from False to True while the first run warms up.
        var ready = result.Stderr.Split('\n').Where(l => l.Contains("condition Ready:", StringComparison.Ordinal)).ToList();
        Assert.True(ready.Count >= 2, result.Stderr);
        Assert.EndsWith("condition Ready: False (ContainersNotReady)", ready[0]);
        Assert.EndsWith("condition Ready: True", ready[1]);
    }
}
