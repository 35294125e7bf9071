using Podvisor.Agent.Tests.Support;
using Podvisor.Core.Model;

namespace Podvisor.Agent.Tests.Images;

/// <summary>
/// The kubelet's image manager (images/image_manager.go EnsureImageExists, kuberuntime startContainer step 1) over a
/// fake image store: pull policy × presence × registry answer → events, waiting states, pulls and backoff on the fake clock.
/// </summary>
public sealed class ImageManagerScenarioTests
{
    private const string Image = "registry.test/app:1";

    private static string Pod(string policy, string image = Image) => $$"""
        metadata: {name: img}
        spec:
          containers:
          - {name: app, image: "{{image}}", imagePullPolicy: {{policy}}, command: ["sleep", "10000"]}
        """;

    private static string[] Messages(ScenarioHarness h, string reason) => [.. h.EventsWithReason(reason).Select(e => e.Message)];

    [Theory]
    [InlineData("IfNotPresent")]
    [InlineData("Never")]
    public async Task APresentImageIsNotPulledAndReportedAlreadyPresent(string policy)
    {
        await using var h = new ScenarioHarness(images: t => new FakeImageService(t).Present(Image));
        var pod = await h.RunAsync(Pod(policy));

        Assert.Empty(h.Runtime.Images!.Pulls);
        Assert.Equal([$"Container image \"{Image}\" already present on machine and can be accessed by the pod"], Messages(h, EventReasons.Pulled));
        Assert.Empty(h.EventsWithReason(EventReasons.Pulling));
        var app = h.Container(pod, "app");
        Assert.NotNull(app.State.Running);
        Assert.Equal(h.Runtime.Images.RefOf(Image), app.ImageID);
        Assert.StartsWith("registry.test/app@sha256:", app.ImageID);
    }

    [Theory]
    [InlineData("IfNotPresent", false)]
    [InlineData("Always", false)]
    [InlineData("Always", true)]
    public async Task AnImageToPullIsPulledOnceWithPullingAndPulledAndItsDurationAndSize(string policy, bool present)
    {
        await using var h = new ScenarioHarness(images: t =>
        {
            var images = new FakeImageService(t).InRegistry(Image, size: 4269694);
            return present ? images.Present(Image) : images;
        });
        var pod = await h.RunAsync(Pod(policy));

        Assert.Equal([Image], h.Runtime.Images!.Pulls.Select(p => p.Image));
        Assert.Equal([$"Pulling image \"{Image}\""], Messages(h, EventReasons.Pulling));
        Assert.Equal([$"Successfully pulled image \"{Image}\" in 1.234s (1.234s including waiting). Image size: 4269694 bytes."], Messages(h, EventReasons.Pulled));
        Assert.NotNull(h.Container(pod, "app").State.Running);
        Assert.NotEmpty(h.Container(pod, "app").ImageID);
    }

    [Fact]
    public async Task AnImageWithoutTagIsAskedForAsLatestAndReportedAsWritten()
    {
        await using var h = new ScenarioHarness(images: t => new FakeImageService(t).InRegistry("registry.test/app:latest"));
        await h.RunAsync(Pod("Always", "registry.test/app"));

        Assert.Equal(["registry.test/app:latest"], h.Runtime.Images!.Pulls.Select(p => p.Image));
        Assert.Equal(["Pulling image \"registry.test/app\""], Messages(h, EventReasons.Pulling));
    }

    [Fact]
    public async Task NeverWithAMissingImageIsErrImageNeverPullWithoutAPullOrACreate()
    {
        await using var h = new ScenarioHarness(images: t => new FakeImageService(t).InRegistry(Image));
        var pod = await h.RunAsync(Pod("Never"));

        var message = $"Container image \"{Image}\" is not present with pull policy of Never";
        var waiting = h.Container(pod, "app").State.Waiting;
        Assert.Equal((ContainerReasons.ErrImageNeverPull, message), (waiting?.Reason, waiting?.Message));
        var never = Assert.Single(h.EventsWithReason(EventReasons.ErrImageNeverPull));
        Assert.Equal(("Warning", message), (never.Type, never.Message));
        Assert.Equal(["Error: ErrImageNeverPull"], Messages(h, EventReasons.Failed));
        Assert.Empty(h.Runtime.Images!.Pulls);
        Assert.DoesNotContain("Create app", h.Runtime.Calls);
        Assert.Equal(PodPhases.Pending, h.Status(pod).Phase);
    }

    [Theory]
    [InlineData("Registry.test/App:1", "invalid reference format: repository name (App) must be lowercase")]
    [InlineData("busybox:", "invalid reference format")]
    [InlineData("bad image", "invalid reference format")]
    public async Task AnUnparsableImageIsInvalidImageNameWithTheReferenceError(string image, string error)
    {
        await using var h = new ScenarioHarness(images: t => new FakeImageService(t));
        var pod = await h.RunAsync(Pod("IfNotPresent", image));

        var message = $"Failed to apply default image tag \"{image}\": couldn't parse image name \"{image}\": {error}";
        var waiting = h.Container(pod, "app").State.Waiting;
        Assert.Equal((ContainerReasons.InvalidImageName, message), (waiting?.Reason, waiting?.Message));
        Assert.Equal([message], Messages(h, EventReasons.InspectFailed));
        Assert.Equal(["Error: InvalidImageName"], Messages(h, EventReasons.Failed));
        Assert.Empty(h.Runtime.Images!.Pulls);
    }

    [Fact]
    public async Task AFailedPullIsErrImagePullThenImagePullBackOffWithPullsBackedOff10sDoublingTo300s()
    {
        await using var h = new ScenarioHarness(images: t => new FakeImageService(t) { PullTime = TimeSpan.Zero });
        var start = h.Time.GetUtcNow();
        var pod = await h.RunAsync(Pod("IfNotPresent"));

        var pullError = FakeImageService.NotFound(Image);
        var waiting = h.Container(pod, "app").State.Waiting;
        Assert.Equal((ContainerReasons.ErrImagePull, pullError), (waiting?.Reason, waiting?.Message));
        Assert.Equal([$"Failed to pull image \"{Image}\": {pullError}", "Error: ErrImagePull"], Messages(h, EventReasons.Failed));

        await h.AdvanceAsync(TimeSpan.FromSeconds(20));
        waiting = h.Container(pod, "app").State.Waiting;
        Assert.Equal((ContainerReasons.ImagePullBackOff, $"Back-off pulling image \"{Image}\": ErrImagePull: {pullError}"), (waiting?.Reason, waiting?.Message));
        var backOff = Assert.Single(h.EventsWithReason(EventReasons.BackOff));
        Assert.Equal(("Normal", $"Back-off pulling image \"{Image}\""), (backOff.Type, backOff.Message));
        Assert.Contains("Error: ImagePullBackOff", Messages(h, EventReasons.Failed));

        await h.AdvanceAsync(TimeSpan.FromSeconds(1300), TimeSpan.FromSeconds(5));
        var offsets = h.Runtime.Images!.Pulls.Select(p => (int)(p.At - start).TotalSeconds).ToList();
        Assert.Equal([0, 10, 30, 70, 150, 310, 610, 910, 1210], offsets);
        Assert.DoesNotContain("Create app", h.Runtime.Calls);
    }

    [Fact]
    public async Task APullThatSucceedsAfterFailuresStartsTheContainer()
    {
        await using var h = new ScenarioHarness(images: t => new FakeImageService(t) { PullTime = TimeSpan.Zero });
        var pod = await h.RunAsync(Pod("IfNotPresent"));
        Assert.Equal(ContainerReasons.ErrImagePull, h.Container(pod, "app").State.Waiting?.Reason);

        h.Runtime.Images!.InRegistry(Image);
        await h.AdvanceAsync(TimeSpan.FromSeconds(10));

        Assert.NotNull(h.Container(pod, "app").State.Running);
        Assert.Equal(2, h.Runtime.Images.Pulls.Count);
        Assert.Single(h.EventsWithReason(EventReasons.Pulled));
    }

    [Fact]
    public async Task ARuntimeWithoutImagesPullsNothingAndRecordsNoImageEvents()
    {
        await using var h = new ScenarioHarness();
        var pod = await h.RunAsync(Pod("Always"));

        Assert.NotNull(h.Container(pod, "app").State.Running);
        Assert.Empty(h.EventsWithReason(EventReasons.Pulling));
        Assert.Empty(h.EventsWithReason(EventReasons.Pulled));
        Assert.Equal("", h.Container(pod, "app").ImageID);
    }

    [Fact]
    public async Task ACreateTheRuntimeRefusesIsCreateContainerErrorWithAFailedEventAndIsRetried()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.FailCreates("app", "failed to create containerd container: boom");
        var pod = await h.RunAsync(Pod("IfNotPresent"));

        var waiting = h.Container(pod, "app").State.Waiting;
        Assert.Equal((ContainerReasons.CreateContainerError, "failed to create containerd container: boom"), (waiting?.Reason, waiting?.Message));
        Assert.Equal(["Error: failed to create containerd container: boom"], Messages(h, EventReasons.Failed));
        Assert.Empty(h.EventsWithReason(EventReasons.Created));

        await h.AdvanceAsync(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
        Assert.Equal(2, h.Runtime.Calls.Count(c => c == "Create app"));
    }
}
