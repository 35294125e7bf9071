using Podvisor.Runtime.Process;

namespace Podvisor.Runtime.Tests.Process;

/// <summary>
/// IP claims (one file per address, machine-wide): taken addresses are skipped, and a claim an agent was killed in the
/// middle of (an empty file older than a minute) frees its address instead of holding it forever.
/// </summary>
public sealed class PodNetworkClaimTests : IDisposable
{
    private readonly string _ipam = Directory.CreateTempSubdirectory("podvisor-ipam-").FullName;

    public void Dispose() => Directory.Delete(_ipam, recursive: true);

    private string Claims => Path.Combine(_ipam, "pvclaims0");

    private PodNetwork Network() => new(new ProcessRuntimeOptions { DataDir = _ipam, PodCidr = "10.250.0.0/29", BridgeName = "pvclaims0", IpamDir = _ipam });

    [Fact]
    public void AStaleEmptyClaimIsReapedAndItsAddressHandedOutAgainWhileAFreshOrWrittenOneIsSkipped()
    {
        Directory.CreateDirectory(Claims);
        File.WriteAllText(Path.Combine(Claims, "10.250.0.2"), "other-sandbox");
        File.WriteAllBytes(Path.Combine(Claims, "10.250.0.3"), []);
        var stale = Path.Combine(Claims, "10.250.0.4");
        File.WriteAllBytes(stale, []);
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddMinutes(-5));
        var network = Network();

        var claimed = Enumerable.Range(0, 3).Select(i => network.Claim($"sandbox-{i}")).ToList();

        // /29: .2 to .6 are pod addresses; .2 is another agent's, .3 may still be being written.
        Assert.Equal(["10.250.0.5", "10.250.0.6", "10.250.0.4"], claimed);
        Assert.Equal("sandbox-2", File.ReadAllText(stale));
        Assert.Equal("other-sandbox", File.ReadAllText(Path.Combine(Claims, "10.250.0.2")));
        Assert.Equal(0, new FileInfo(Path.Combine(Claims, "10.250.0.3")).Length);
        Assert.Throws<IOException>(() => network.Claim("sandbox-3"));
    }
}
