using k8s;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Podvisor.Agent.Tests.Support;
using Podvisor.Agent.Volumes;
using Podvisor.Node.Abstractions;

namespace Podvisor.Agent.Tests.Volumes;

/// <summary>
/// Projected serviceAccountToken sources as the kubelet's token manager serves them: a token per pod, account,
/// audience and expiration, requested again past 80 % of its lifetime or 24 hours, written with the volume's mode, and
/// the kubelet's "failed to fetch token" when there is no TokenRequest or it fails.
/// </summary>
public sealed class ServiceAccountTokenVolumeTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("podvisor-token-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
    private readonly CountingTokens _tokens;

    public ServiceAccountTokenVolumeTests() => _tokens = new CountingTokens(_time);

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Theory]
    [InlineData(3600, 2879, 1)] // before 80 % of an hour: the cached token
    [InlineData(3600, 2880, 2)] // at 80 %: a new one
    [InlineData(200_000, 86_399, 1)]
    [InlineData(200_000, 86_400, 2)] // 24 hours old, long before 80 %
    public void ATokenIsRequestedAgainPast80PercentOfItsLifetimeOr24Hours(long expirationSeconds, long elapsedSeconds, int requests)
    {
        var cache = new ServiceAccountTokenCache(_tokens, _time);
        var pod = Pod("- {name: t, projected: {sources: [{serviceAccountToken: {path: token}}]}}");
        var source = new V1ServiceAccountTokenProjection { Path = "token", ExpirationSeconds = expirationSeconds };

        var first = cache.Get(pod, source);
        _time.Advance(TimeSpan.FromSeconds(elapsedSeconds));
        var second = cache.Get(pod, source);

        Assert.Equal(requests, _tokens.Requests.Count);
        Assert.Equal(requests == 1, first == second);
    }

    [Fact]
    public void PodsAudiencesAndExpirationsHaveTheirOwnTokensAndAForgottenPodNone()
    {
        var cache = new ServiceAccountTokenCache(_tokens, _time);
        var a = Pod("[]", "uid-a");
        var b = Pod("[]", "uid-b");
        var plain = new V1ServiceAccountTokenProjection { Path = "token", ExpirationSeconds = 3600 };
        var vault = new V1ServiceAccountTokenProjection { Path = "token", ExpirationSeconds = 3600, Audience = "vault" };

        cache.Get(a, plain);
        cache.Get(a, plain);
        cache.Get(a, vault);
        cache.Get(a, new V1ServiceAccountTokenProjection { Path = "token", ExpirationSeconds = 7200 });
        cache.Get(b, plain);
        cache.Forget("uid-a");
        cache.Get(a, plain);

        Assert.Equal([("uid-a", "", 3600L), ("uid-a", "vault", 3600L), ("uid-a", "", 7200L), ("uid-b", "", 3600L), ("uid-a", "", 3600L)], _tokens.Requests);
    }

    [Fact]
    public void TheTokenIsAFileOfTheProjectedVolumeWithItsModeAndIsRotatedByARefresh()
    {
        var volumes = Volumes(_tokens);
        var pod = Pod("- {name: api, projected: {defaultMode: 288, sources: [{serviceAccountToken: {path: token, expirationSeconds: 600}}]}}");
        volumes.SetUp(pod);
        var file = Path.Combine(_dataDir, "pods", "uid-1", "volumes", "kubernetes.io~projected", "api", "token");
        var first = File.ReadAllText(file);
        Assert.Equal("token-1", first);
        Assert.Equal((UnixFileMode)0b100_100_000, File.GetUnixFileMode(new FileInfo(file).ResolveLinkTarget(returnFinalTarget: true)!.FullName));

        volumes.Refresh(pod);
        Assert.Equal("token-1", File.ReadAllText(file));
        _time.Advance(TimeSpan.FromSeconds(480));
        volumes.Refresh(pod);
        Assert.Equal("token-2", File.ReadAllText(file));
    }

    [Fact]
    public void WithoutATokenRequestOrWithAFailingOneTheMountFailsAsTheKubelets()
    {
        var pod = Pod("- {name: api, projected: {sources: [{serviceAccountToken: {path: token}}]}}");

        var none = Assert.Throws<VolumeSetupException>(() => Volumes(null).SetUp(pod));
        Assert.StartsWith("MountVolume.SetUp failed for volume \"api\" : failed to fetch token: ", none.MountFailure);
        _tokens.Missing = true;
        var failing = Assert.Throws<VolumeSetupException>(() => Volumes(_tokens).SetUp(pod));
        Assert.Equal("MountVolume.SetUp failed for volume \"api\" : failed to fetch token: serviceaccounts \"default\" not found", failing.MountFailure);
    }

    private VolumeManager Volumes(IServiceAccountTokens? tokens) =>
        new(_dataDir, privileged: false, new InMemoryConfigObjects(), TestAgentOptions.For(_dataDir) with { NodeName = "n" }, _time, tokens);

    private static V1Pod Pod(string volumesYaml, string uid = "uid-1") => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "default", Uid = uid },
        Spec = new V1PodSpec { Volumes = KubernetesYaml.Deserialize<List<V1Volume>>(volumesYaml), Containers = [new V1Container { Name = "app" }] },
    };

    /// <summary>A TokenRequest that hands out token-1, token-2, ... issued now for the requested lifetime.</summary>
    private sealed class CountingTokens(TimeProvider time) : IServiceAccountTokens
    {
        public List<(string Uid, string Audience, long Seconds)> Requests { get; } = [];

        public bool Missing { get; set; }

        public ServiceAccountToken Request(V1Pod pod, string? audience, long expirationSeconds)
        {
            if (Missing)
            {
                throw new ServiceAccountTokenException("serviceaccounts \"default\" not found");
            }

            Requests.Add((pod.Metadata.Uid, audience ?? "", expirationSeconds));
            var now = time.GetUtcNow();
            return new ServiceAccountToken($"token-{Requests.Count}", now, now.AddSeconds(expirationSeconds));
        }
    }
}
