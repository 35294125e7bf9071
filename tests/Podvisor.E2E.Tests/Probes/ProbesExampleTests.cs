using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Podvisor.E2E.Tests.Probes;

/// <summary><c>examples/probes.yaml</c> through the real command: it finishes by itself, shows the readiness flip and one liveness restart.</summary>
public sealed class ProbesExampleTests
{
    [RootFact]
    public async Task ProbesExample_RunsToSuccess_WithOneLivenessRestart()
    {
        var (exit, stdout, stderr) = await RunPodvisorAsync("run", Path.Combine(RepoRoot(), "examples", "probes.yaml"), "-o", "json");
        Assert.True(exit == 0, $"exit {exit}\n{stderr}");

        var items = JsonNode.Parse(stdout)!["items"]!.AsArray();
        var pod = items.Single(i => (string?)i!["kind"] == "Pod")!;
        Assert.Equal("Succeeded", (string?)pod["status"]!["phase"]);
        var app = pod["status"]!["containerStatuses"]!.AsArray().Single(c => (string?)c!["name"] == "app")!;
        Assert.Equal(1, (int)app["restartCount"]!);
        Assert.Equal(143, (int)app["lastState"]!["terminated"]!["exitCode"]!);

        var events = items.Where(i => (string?)i!["kind"] == "Event").Select(e => ((string?)e!["reason"], (string?)e["message"])).ToList();
        Assert.Contains(("Unhealthy", "Readiness probe failed: "), events);
        Assert.Contains(("Unhealthy", "Liveness probe failed: "), events);
        Assert.Contains(("Killing", "Container app failed liveness probe, will be restarted"), events);

        // The plain view (stderr) shows Ready flip from False to True while the first run warms up.
        var ready = stderr.Split('\n').Where(l => l.Contains("condition Ready:", StringComparison.Ordinal)).ToList();
        Assert.True(ready.Count >= 2, stderr);
        Assert.EndsWith("condition Ready: False (ContainersNotReady)", ready[0]);
        Assert.EndsWith("condition Ready: True", ready[1]);
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunPodvisorAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "podvisor.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(AgentHarness.TestTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"podvisor {string.Join(' ', args)} did not finish\n{await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Podvisor.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Podvisor.sln not found above " + AppContext.BaseDirectory);
    }
}
