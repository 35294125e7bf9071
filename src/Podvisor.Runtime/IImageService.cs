namespace Podvisor.Runtime;

/// <summary>An image as the runtime stores it (CRI Image): its ID (<c>sha256:...</c>), names and size.</summary>
public sealed record ImageInfo(string Id, IReadOnlyList<string> RepoTags, IReadOnlyList<string> RepoDigests, ulong Size);

/// <summary>
/// The runtime's image store (CRI ImageService). Callers decide when to pull (imagePullPolicy, backoff) and which
/// events to record; this seam only pulls and looks up. A failed pull throws <see cref="ImagePullException"/>.
/// </summary>
public interface IImageService
{
    /// <summary>Pulls <paramref name="image"/> (as written in the pod spec) and returns the image reference the runtime resolved it to.</summary>
    ValueTask<string> PullImageAsync(string image, CancellationToken ct);

    /// <summary>The image if present on the node, else null (CRI ImageStatus with a nil image).</summary>
    ValueTask<ImageInfo?> ImageStatusAsync(string image, CancellationToken ct);
}

/// <summary>A pull failed: the runtime's message (kubelet reports it as <c>ErrImagePull</c>).</summary>
public sealed class ImagePullException(string message, Exception? inner = null) : Exception(message, inner);
