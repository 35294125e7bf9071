using System.Diagnostics;
using System.Text.Json;
using Podvisor.Runtime.Cri.Tests.Harness;

namespace Podvisor.Runtime.Cri.Tests;

using Process = System.Diagnostics.Process;

/// <summary><c>podvisor run --runtime cri</c> on the examples, against the private containerd and its registry.</summary>
[Collection(ContainerdCollection.Name)]
public sealed class RunCommandTests(ContainerdFixture containerd)
{
    [CriFact]
    public async Task The_ml_worker_restarts_every_container_in_place_once_and_succeeds()
    {
        var (exitCode, pod, output) = await RunExampleAsync("ml-worker.yaml");

        Assert.True(exitCode == 0, output);
        var status = pod.GetProperty("status");
        Assert.Equal("Succeeded", status.GetProperty("phase").GetString());
        var containers = status.GetProperty("initContainerStatuses").EnumerateArray().Concat(status.GetProperty("containerStatuses").EnumerateArray()).ToList();
        Assert.Equal(3, containers.Count);
        Assert.All(containers, c => Assert.Equal(1, c.GetProperty("restartCount").GetInt32()));
        Assert.StartsWith("10.235.0.", status.GetProperty("podIP").GetString());
        // One restart each proves the emptyDir survived: had it been lost, the corrupted-once marker would be gone
        // and training would corrupt the environment (and restart everything) a second time.
    }

    [CriFact]
    public async Task An_image_pod_without_command_runs_its_args_in_place_of_the_image_cmd()
    {
        var (exitCode, pod, output) = await RunExampleAsync("hello.yaml");

        Assert.True(exitCode == 0, output);
        var hello = Assert.Single(pod.GetProperty("status").GetProperty("containerStatuses").EnumerateArray());
        Assert.Equal(0, hello.GetProperty("state").GetProperty("terminated").GetProperty("exitCode").GetInt32());
    }

    /// <summary>Runs examples/images/FILE with its images pointed at the test registry; returns the exit code and the final pod.</summary>
    private async Task<(int ExitCode, JsonElement Pod, string Output)> RunExampleAsync(string example)
    {
        var manifest = (await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "examples", "images", example)))
            .Replace("image: busybox:1.36", $"image: {containerd.Image(TestImages.Busybox)}", StringComparison.Ordinal);
        var file = Path.Combine(containerd.DataDir, example);
        await File.WriteAllTextAsync(file, manifest);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "podvisor.dll"), "run", "--runtime", "cri", "--container-runtime-endpoint", containerd.Endpoint,
            "--data-dir", Path.Combine(containerd.DataDir, "run"), "--timeout", "120s", "-o", "json", file,
        })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(cts.Token);
        var list = JsonDocument.Parse(await stdout).RootElement;
        var pod = list.GetProperty("items").EnumerateArray().First(i => i.GetProperty("kind").GetString() == "Pod");
        return (process.ExitCode, pod.Clone(), await stderr);
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir.FullName, "Podvisor.sln")))
        {
            dir = dir.Parent ?? throw new InvalidOperationException("Podvisor.sln not found above the test assembly");
        }

        return dir.FullName;
    }
}
