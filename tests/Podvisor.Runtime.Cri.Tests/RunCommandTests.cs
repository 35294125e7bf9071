using System.Text.Json;
using Podvisor.Runtime.Cri.Tests.Harness;

namespace Podvisor.Runtime.Cri.Tests;

/// <summary><c>podvisor run --runtime cri</c> on the examples, against the private containerd and its registry.</summary>
[Collection(ContainerdCollection.Name)]
public sealed class RunCommandTests(ContainerdFixture containerd)
{
    [CriFact]
    public async Task TheMlWorkerRestartsEveryContainerInPlaceOnceAndSucceeds()
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
    public async Task AnImagePodWithoutCommandRunsItsArgsInPlaceOfTheImageCmd()
    {
        var (exitCode, pod, output) = await RunExampleAsync("hello.yaml");

        Assert.True(exitCode == 0, output);
        var hello = Assert.Single(pod.GetProperty("status").GetProperty("containerStatuses").EnumerateArray());
        Assert.Equal(0, hello.GetProperty("state").GetProperty("terminated").GetProperty("exitCode").GetInt32());
    }

    /// <summary>Runs examples/images/FILE with its images pointed at the test registry; returns the exit code and the final pod.</summary>
    private async Task<(int ExitCode, JsonElement Pod, string Output)> RunExampleAsync(string example)
    {
        var manifest = (await File.ReadAllTextAsync(Path.Combine(PodvisorRun.RepositoryRoot(), "examples", "images", example)))
            .Replace("image: busybox:1.36", $"image: {containerd.Image(TestImages.Busybox)}", StringComparison.Ordinal);
        var run = await PodvisorRun.RunAsync(containerd, example, manifest);
        return (run.ExitCode, run.Pod, run.Stderr);
    }
}
