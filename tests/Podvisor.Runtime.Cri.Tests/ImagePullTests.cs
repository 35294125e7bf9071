using System.Text.RegularExpressions;
using Podvisor.Runtime.Cri.Tests.Harness;

namespace Podvisor.Runtime.Cri.Tests;

/// <summary>
/// The agent's image manager (the kubelet's EnsureImageExists) on the private containerd and its registry, through
/// <c>podvisor run --runtime cri</c>: the waiting reasons, events and image ids a cluster would show.
/// </summary>
[Collection(ContainerdCollection.Name)]
public sealed partial class ImagePullTests(ContainerdFixture containerd)
{
    [CriFact]
    public async Task ANeverPodWhoseImageIsNotOnTheNodeWaitsInErrImageNeverPullAndPullsNothing()
    {
        var image = containerd.Image(TestImages.NotPulled);
        await containerd.RemoveImageAsync(image);

        // The pod never starts: the timeout ends the run (exit 3) with the pod deleted and printed.
        var run = await PodvisorRun.RunAsync(containerd, "never-pull.yaml", Manifest("never-pull", image, "Never"), timeout: "15s");

        Assert.True(run.ExitCode == PodvisorRun.ExitTimeout, run.ToString());
        var message = $"Container image \"{image}\" is not present with pull policy of Never";
        // The waiting state's message is the event's (the image manager returns one for both).
        var reasons = run.WaitingReasons("app");
        Assert.Contains("ErrImageNeverPull", reasons);
        Assert.All(reasons, r => Assert.Contains(r, new[] { "ContainerCreating", "ErrImageNeverPull" }));
        Assert.Equal([("Warning", "ErrImageNeverPull", message)], run.Events.Where(e => e.Reason == "ErrImageNeverPull"));
        Assert.Contains("Error: ErrImageNeverPull", run.Messages("Failed"));
        Assert.Empty(run.Messages("Pulling"));
        Assert.Empty(run.Messages("Created"));
        Assert.Null(await containerd.ImageStatusAsync(image));
    }

    [CriFact]
    public async Task ATagMissingInTheRegistryIsErrImagePullThenImagePullBackOffAndNoContainerIsCreated()
    {
        var image = containerd.Image("busybox:no-such-tag");
        var quoted = $"\"{image}\"";

        // Pulls fail at about 0 s and 10 s (backoff 10 s, then 20 s); the sync at about 20 s finds the pull backed off.
        var run = await PodvisorRun.RunAsync(containerd, "missing-tag.yaml", Manifest("missing-tag", image, "IfNotPresent"), timeout: "35s");

        Assert.True(run.ExitCode == PodvisorRun.ExitTimeout, run.ToString());
        var pulling = run.IndexOf("Pulling", $"Pulling image {quoted}");
        var failedPull = run.IndexOf("Failed", $"Failed to pull image {quoted}: ");
        var errImagePull = run.IndexOf("Failed", "Error: ErrImagePull");
        var backOff = run.IndexOf("BackOff", $"Back-off pulling image {quoted}");
        var imagePullBackOff = run.IndexOf("Failed", "Error: ImagePullBackOff");
        Assert.True(pulling >= 0 && pulling < failedPull && failedPull < errImagePull && errImagePull < backOff && backOff < imagePullBackOff, run.ToString());
        Assert.Contains(("Normal", "BackOff", $"Back-off pulling image {quoted}"), run.Events);
        var pullError = run.Events[failedPull].Message[$"Failed to pull image {quoted}: ".Length..];
        Assert.Contains("not found", pullError, StringComparison.Ordinal);

        var reasons = run.WaitingReasons("app").ToList();
        var first = reasons.IndexOf("ErrImagePull");
        Assert.True(first >= 0 && first < reasons.IndexOf("ImagePullBackOff"), run.ToString());
        Assert.All(reasons, r => Assert.Contains(r, new[] { "ContainerCreating", "ErrImagePull", "ImagePullBackOff" }));

        Assert.Empty(run.Messages("Created"));
        Assert.False(run.ContainerStatus("app").TryGetProperty("containerID", out _), run.ToString());
    }

    [CriFact]
    public async Task AMissingImageIsPulledWithTheKubeletsEventsAndTheContainerRunsWithItsImageId()
    {
        var image = containerd.Image(TestImages.NotPulled);
        await containerd.RemoveImageAsync(image);

        var run = await PodvisorRun.RunAsync(containerd, "pull.yaml", Manifest("pull", image, "IfNotPresent", command: "echo pulled and ran"));

        Assert.True(run.ExitCode == 0, run.ToString());
        var pulled = await containerd.ImageStatusAsync(image);
        Assert.NotNull(pulled);
        var quoted = $"\"{image}\"";
        var pulling = run.IndexOf("Pulling");
        var pulledEvent = run.IndexOf("Pulled");
        Assert.True(pulling >= 0 && pulling < pulledEvent, run.ToString());
        Assert.Equal(("Normal", $"Pulling image {quoted}"), (run.Events[pulling].Type, run.Events[pulling].Message));
        var message = PulledMessage().Match(run.Events[pulledEvent].Message);
        Assert.True(message.Success, run.Events[pulledEvent].Message);
        Assert.Equal(image, message.Groups["image"].Value);
        Assert.Equal(pulled.Size.ToString(System.Globalization.CultureInfo.InvariantCulture), message.Groups["size"].Value);
        Assert.Equal(["Created container: app"], run.Messages("Created"));

        var app = run.ContainerStatus("app");
        Assert.Equal(0, app.GetProperty("state").GetProperty("terminated").GetProperty("exitCode").GetInt32());
        var imageId = app.GetProperty("imageID").GetString();
        Assert.Matches("@sha256:[0-9a-f]{64}$", imageId);
        Assert.Contains(imageId, pulled.RepoDigests);
    }

    /// <summary>One container <c>app</c> of <paramref name="image"/> that runs <paramref name="command"/> once.</summary>
    private static string Manifest(string name, string image, string pullPolicy, string command = "true") => $"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {name}
        spec:
          restartPolicy: Never
          containers:
          - name: app
            image: {image}
            imagePullPolicy: {pullPolicy}
            command: ["sh", "-c", "{command}"]
        """;

    [GeneratedRegex("""^Successfully pulled image "(?<image>[^"]+)" in [0-9.]+(µs|ms|s) \([0-9.]+(µs|ms|s) including waiting\)\. Image size: (?<size>[0-9]+) bytes\.$""")]
    private static partial Regex PulledMessage();
}
