using Grpc.Core;
using V1 = Podvisor.Runtime.Cri.V1;

namespace Podvisor.Runtime.Cri;

/// <summary><see cref="IImageService"/> over the CRI ImageService of the runtime's endpoint.</summary>
internal sealed class CriImageService(CriConnection connection) : IImageService
{
    private static readonly TimeSpan PullTimeout = TimeSpan.FromMinutes(30);

    public async ValueTask<string> PullImageAsync(string image, CancellationToken ct)
    {
        try
        {
            var response = await connection.Images.PullImageAsync(new V1.PullImageRequest { Image = Spec(image) }, deadline: DateTime.UtcNow + PullTimeout, cancellationToken: ct);
            return response.ImageRef;
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            // The kubelet reports the runtime's gRPC error as grpc-go prints it.
            throw new ImagePullException($"rpc error: code = {e.StatusCode} desc = {e.Status.Detail}", e);
        }
    }

    public async ValueTask<ImageInfo?> ImageStatusAsync(string image, CancellationToken ct)
    {
        var response = await connection.Images.ImageStatusAsync(new V1.ImageStatusRequest { Image = Spec(image) }, deadline: DateTime.UtcNow + TimeSpan.FromMinutes(1), cancellationToken: ct);
        return response.Image is { } found ? new ImageInfo(found.Id, found.RepoTags.ToList(), found.RepoDigests.ToList(), found.Size) : null;
    }

    private static V1.ImageSpec Spec(string image) => new() { Image = image, UserSpecifiedImage = image };
}
