using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using Podvisor.Runtime;

namespace Podvisor.Agent.Tests.Support;

/// <summary>
/// An in-memory image store and registry on a fake clock: images present on the node, images the registry serves
/// (a pull takes <see cref="PullTime"/> of fake time), and every pull recorded with the clock's time.
/// </summary>
public sealed class FakeImageService(FakeTimeProvider time) : IImageService
{
    private readonly ConcurrentDictionary<string, ImageInfo> _node = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ulong> _registry = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Image, DateTimeOffset At)> _pulls = new();

    public TimeSpan PullTime { get; init; } = TimeSpan.FromMilliseconds(1234);

    /// <summary>Every pull the agent asked for (as the runtime got the reference) and when.</summary>
    public IReadOnlyList<(string Image, DateTimeOffset At)> Pulls => _pulls.ToArray();

    public FakeImageService Present(string image, ulong size = 1000)
    {
        _node[image] = Info(image, size);
        return this;
    }

    public FakeImageService InRegistry(string image, ulong size = 1000)
    {
        _registry[image] = size;
        return this;
    }

    /// <summary>The digested reference a container of <paramref name="image"/> reports (CRI image_ref), null when absent.</summary>
    public string? RefOf(string image) => _node.TryGetValue(image, out var info) ? info.RepoDigests[0] : null;

    public static string NotFound(string image) => $"rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": not found";

    public ValueTask<string> PullImageAsync(string image, CancellationToken ct)
    {
        _pulls.Enqueue((image, time.GetUtcNow()));
        time.Advance(PullTime);
        if (!_registry.TryGetValue(image, out var size))
        {
            throw new ImagePullException(NotFound(image));
        }

        return ValueTask.FromResult((_node[image] = Info(image, size)).Id);
    }

    public ValueTask<ImageInfo?> ImageStatusAsync(string image, CancellationToken ct) =>
        ValueTask.FromResult(_node.GetValueOrDefault(image));

    private static ImageInfo Info(string image, ulong size)
    {
        var digest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(image)));
        return new ImageInfo(digest, [image], [$"{image.Split(':')[0]}@{digest}"], size);
    }
}
