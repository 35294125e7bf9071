using System.Collections.Concurrent;
using k8s.Models;
using Podvisor.Core.Model;
using Podvisor.Core.Status;
using Podvisor.Runtime;

namespace Podvisor.Agent.Images;

/// <summary>What <see cref="ImageManager.EnsureImageExistsAsync"/> found: the image ref, or why the container cannot be created yet.</summary>
/// <param name="RetryAt">
/// With ImagePullBackOff: when the backoff lets the next pull through (the worker syncs then); a failed pull retries
/// after the sync error backoff, as the kubelet requeues a failed sync, so the waiting state shows ImagePullBackOff between pulls.
/// </param>
internal sealed record ImageResult(string ImageRef, ContainerStartFailure? Failure = null, DateTimeOffset? RetryAt = null);

/// <summary>
/// Mirrors the kubelet's image manager (images/image_manager.go EnsureImageExists) with its default serialized puller:
/// the image is pulled per imagePullPolicy, one pull at a time on the node, with a per pod and image backoff; each
/// outcome is recorded as the kubelet's event and returned as its waiting reason and message. A runtime without
/// images (the process runtime) has nothing to ensure.
/// </summary>
internal sealed class ImageManager(IImageService? images, EventRecorder events, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _serialPuller = new(1, 1);
    private readonly ImagePullBackoff _backoff = new();

    public void Dispose() => _serialPuller.Dispose();

    /// <summary>The last failed pull's <c>ErrImagePull: message</c> per backoff key, appended to the back-off message.</summary>
    private readonly ConcurrentDictionary<string, string> _lastPullError = new(StringComparer.Ordinal);

    public async Task<ImageResult> EnsureImageExistsAsync(V1Pod pod, V1Container container, CancellationToken ct)
    {
        if (images is null)
        {
            return new ImageResult("");
        }

        var requested = container.Image ?? "";
        var quoted = GoFormat.Quote(requested);
        if (!ImageReference.TryApplyDefaultTag(requested, out var image, out var parseError))
        {
            return Fail(pod, container, EventReasons.InspectFailed, ContainerReasons.InvalidImageName,
                $"Failed to apply default image tag {quoted}: {parseError}");
        }

        var policy = container.ImagePullPolicy;
        if (policy != PullPolicies.Always)
        {
            ImageInfo? present;
            try
            {
                present = await images.ImageStatusAsync(image, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return Fail(pod, container, EventReasons.InspectFailed, ContainerReasons.ImageInspectError,
                    $"Failed to inspect image {quoted}: {e.Message}");
            }

            if (present is not null)
            {
                // KubeletEnsureSecretPulledImages (on by default): without pull secrets every image is accessible to every pod.
                events.Container(pod, container.Name, EventRecorder.TypeNormal, EventReasons.Pulled,
                    $"Container image {quoted} already present on machine and can be accessed by the pod");
                return new ImageResult(present.Id);
            }

            if (policy == PullPolicies.Never)
            {
                return Fail(pod, container, EventReasons.ErrImageNeverPull, ContainerReasons.ErrImageNeverPull,
                    $"Container image {quoted} is not present with pull policy of Never");
            }
        }

        return await PullAsync(pod, container, requested, image, ct);
    }

    private async Task<ImageResult> PullAsync(V1Pod pod, V1Container container, string requested, string image, CancellationToken ct)
    {
        var quoted = GoFormat.Quote(requested);
        var key = $"{pod.Metadata.Uid}_{requested}";
        if (_backoff.IsInBackOff(key, time.GetUtcNow(), out var until))
        {
            var message = $"Back-off pulling image {quoted}";
            events.Container(pod, container.Name, EventRecorder.TypeNormal, EventReasons.BackOff, message);
            if (_lastPullError.TryGetValue(key, out var last))
            {
                message = $"{message}: {last}";
            }

            return new ImageResult("", new ContainerStartFailure(ContainerReasons.ImagePullBackOff, message), until);
        }

        _lastPullError.TryRemove(key, out _);
        events.Container(pod, container.Name, EventRecorder.TypeNormal, EventReasons.Pulling, $"Pulling image {quoted}");
        var requestedAt = time.GetTimestamp();
        string imageRef;
        ulong size;
        TimeSpan pullDuration;
        await _serialPuller.WaitAsync(ct);
        try
        {
            var pullStarted = time.GetTimestamp();
            imageRef = await images!.PullImageAsync(image, ct);
            size = (await images.ImageStatusAsync(image, ct))?.Size ?? 0;
            pullDuration = time.GetElapsedTime(pullStarted);
        }
        catch (ImagePullException e)
        {
            events.Container(pod, container.Name, EventRecorder.TypeWarning, EventReasons.Failed, $"Failed to pull image {quoted}: {e.Message}");
            var now = time.GetUtcNow();
            _backoff.Next(key, now);
            _lastPullError[key] = $"{ContainerReasons.ErrImagePull}: {e.Message}";
            return new ImageResult("", new ContainerStartFailure(ContainerReasons.ErrImagePull, e.Message));
        }
        finally
        {
            _serialPuller.Release();
        }

        var total = time.GetElapsedTime(requestedAt);
        events.Container(pod, container.Name, EventRecorder.TypeNormal, EventReasons.Pulled,
            $"Successfully pulled image {quoted} in {GoDuration.Format(Milliseconds(pullDuration))} ({GoDuration.Format(Milliseconds(total))} including waiting). Image size: {size} bytes.");
        _backoff.Collect(time.GetUtcNow());
        return new ImageResult(imageRef);
    }

    private ImageResult Fail(V1Pod pod, V1Container container, string eventReason, string reason, string message)
    {
        events.Container(pod, container.Name, EventRecorder.TypeWarning, eventReason, message);
        return new ImageResult("", new ContainerStartFailure(reason, message));
    }

    /// <summary>Go's Duration.Truncate(time.Millisecond).</summary>
    private static TimeSpan Milliseconds(TimeSpan d) => TimeSpan.FromTicks(d.Ticks - d.Ticks % TimeSpan.TicksPerMillisecond);
}
