using Podvisor.Core.Model;
using V1 = Podvisor.Runtime.Cri.V1;

namespace Podvisor.Runtime.Cri.Tests;

/// <summary>Our records → CRI messages, pure (no runtime): the kubelet's conversions.</summary>
public sealed class CriConfigMappingTests
{
    [Theory]
    [InlineData(0, 2)] // no request: minShares
    [InlineData(1, 2)] // 1m → 1 share, raised to minShares
    [InlineData(100, 102)]
    [InlineData(250, 256)]
    [InlineData(1000, 1024)]
    [InlineData(1_000_000, 262144)] // capped at maxShares
    public void CpuSharesAreMilliCPUToShares(long milliCpu, long shares) =>
        Assert.Equal(shares, CriConfigMapping.MilliCpuToShares(milliCpu));

    [Theory]
    [InlineData(0, 0)]
    [InlineData(5, 1000)] // raised to minQuotaPeriod
    [InlineData(500, 50_000)]
    [InlineData(2000, 200_000)]
    public void CpuQuotaIsMilliCPUToQuotaOverA100msPeriod(long milliCpu, long quota) =>
        Assert.Equal(quota, CriConfigMapping.MilliCpuToQuota(milliCpu, 100_000));

    [Fact]
    public void ResourcesTakeSharesFromTheRequestAndQuotaAndMemoryFromTheLimits()
    {
        var linux = CriConfigMapping.Resources(new ContainerResources { CpuRequestMilli = 250, CpuLimitMilli = 500, MemoryLimitBytes = 64 << 20 });

        Assert.Equal((256L, 100_000L, 50_000L, 64L << 20), (linux.CpuShares, linux.CpuPeriod, linux.CpuQuota, linux.MemoryLimitInBytes));
    }

    [Fact]
    public void WithoutACpuRequestTheLimitSetsTheSharesAndWithoutLimitsNothingIsCapped()
    {
        var limitOnly = CriConfigMapping.Resources(new ContainerResources { CpuLimitMilli = 1000 });
        var none = CriConfigMapping.Resources(ContainerResources.None);

        Assert.Equal(1024, limitOnly.CpuShares);
        Assert.Equal((2L, 0L, 0L, 0L), (none.CpuShares, none.CpuPeriod, none.CpuQuota, none.MemoryLimitInBytes));
    }

    [Fact]
    public void TheSandboxCarriesPodIdentityHostnameLogDirectoryAndLabels()
    {
        var sandbox = CriConfigMapping.Sandbox(new PodSandboxConfig { PodUid = "uid-1", Name = "web", Namespace = "ns", Attempt = 2, Hostname = "web-0" }, "/data/logs/ns_web_uid-1", new V1.DNSConfig());

        Assert.Equal(("web", "ns", "uid-1", 2u), (sandbox.Metadata.Name, sandbox.Metadata.Namespace, sandbox.Metadata.Uid, sandbox.Metadata.Attempt));
        Assert.Equal("web-0", sandbox.Hostname);
        Assert.Equal("/data/logs/ns_web_uid-1", sandbox.LogDirectory);
        Assert.Equal(V1.NamespaceMode.Pod, sandbox.Linux.SecurityContext.NamespaceOptions.Network);
        Assert.Equal("uid-1", sandbox.Labels[CriLabels.PodUid]);
        Assert.Equal("true", sandbox.Labels[CriLabels.Managed]);
    }

    [Fact]
    public void AHostNetworkSandboxUsesTheNodeNetworkAndHostname()
    {
        var sandbox = CriConfigMapping.Sandbox(new PodSandboxConfig { PodUid = "u", Name = "web", Namespace = "ns", HostNetwork = true }, "/logs", new V1.DNSConfig());

        Assert.Equal(V1.NamespaceMode.Node, sandbox.Linux.SecurityContext.NamespaceOptions.Network);
        Assert.Equal("", sandbox.Hostname);
    }

    [Fact]
    public void AContainerKeepsCommandAndArgsApartAndLogsRelativeToTheSandboxLogDirectory()
    {
        var sandbox = CriConfigMapping.Sandbox(new PodSandboxConfig { PodUid = "u", Name = "web", Namespace = "ns" }, "/data/logs/ns_web_u", new V1.DNSConfig());
        var config = new ContainerConfig
        {
            Name = "app", Kind = ContainerKind.Regular, Hash = "h", RestartCount = 3, Image = "registry/app:1",
            Argv = ["--port", "80"], Args = ["--port", "80"], LogPath = "/data/logs/ns_web_u/app/3.log",
        };

        var container = CriConfigMapping.Container(sandbox, config, "/data/pods/u/containers/app/x");

        Assert.Empty(container.Command); // the image's ENTRYPOINT runs
        Assert.Equal(["--port", "80"], container.Args);
        Assert.Equal("app/3.log", container.LogPath);
        Assert.Equal(3u, container.Metadata.Attempt);
        Assert.Equal(("h", "3"), (container.Annotations[CriLabels.ContainerHash], container.Annotations[CriLabels.RestartCount]));
        Assert.Equal("app", container.Labels[CriLabels.ContainerName]);
    }

    [Fact]
    public void TheSecurityContextIsTheKubeletsLinuxContainerSecurityContext()
    {
        var sandbox = CriConfigMapping.Sandbox(new PodSandboxConfig { PodUid = "u", Name = "web", Namespace = "ns" }, "/data/logs/ns_web_u", new V1.DNSConfig());
        var config = new ContainerConfig
        {
            Name = "app", Kind = ContainerKind.Regular, Hash = "h", Argv = ["true"], LogPath = "/data/logs/ns_web_u/app/0.log",
            Security = new ContainerSecurity { AddCapabilities = ["NET_ADMIN"], DropCapabilities = ["ALL"], NoNewPrivileges = true, ReadOnlyRootFilesystem = true },
        };

        var security = CriConfigMapping.Container(sandbox, config, "/data/pods/u/containers/app/x").Linux.SecurityContext;

        Assert.Equal(["NET_ADMIN"], security.Capabilities.AddCapabilities);
        Assert.Equal(["ALL"], security.Capabilities.DropCapabilities);
        Assert.Equal((true, true, false), (security.NoNewPrivs, security.ReadonlyRootfs, security.Privileged));
    }

    [Fact]
    public void MountsAreTheAgentsHostPathsPlusTheTerminationLogAtItsPath()
    {
        var sandbox = CriConfigMapping.Sandbox(new PodSandboxConfig { PodUid = "u", Name = "web", Namespace = "ns" }, "/data/logs/ns_web_u", new V1.DNSConfig());
        var config = new ContainerConfig
        {
            Name = "app", Kind = ContainerKind.Regular, Hash = "h", Argv = ["x"], LogPath = "/data/logs/ns_web_u/app/0.log",
            Mounts = [new Mount("/data/pods/u/volumes/kubernetes.io~empty-dir/d", "/d"), new Mount("/etc/hosts", "/h", ReadOnly: true)],
        };

        var mounts = CriConfigMapping.Container(sandbox, config, "/data/pods/u/containers/app/x").Mounts;

        Assert.Equal(
            [("/data/pods/u/volumes/kubernetes.io~empty-dir/d", "/d", false), ("/etc/hosts", "/h", true), ("/data/pods/u/containers/app/x", "/dev/termination-log", false)],
            mounts.Select(m => (m.HostPath, m.ContainerPath, m.Readonly)));
    }

    [Fact]
    public void HostDnsReadsNameserversSearchDomainsAndOptionsFromResolvConf()
    {
        var dns = CriConfigMapping.HostDns("# comment\nnameserver 10.0.0.2\nnameserver 10.0.0.3\nsearch a.example b.example\noptions ndots:2 edns0\n");

        Assert.Equal(["10.0.0.2", "10.0.0.3"], dns.Servers);
        Assert.Equal(["a.example", "b.example"], dns.Searches);
        Assert.Equal(["ndots:2", "edns0"], dns.Options);
    }

    [Fact]
    public void TheSandboxConfigRoundTripsThroughItsAnnotation()
    {
        var sandbox = CriConfigMapping.Sandbox(new PodSandboxConfig { PodUid = "u", Name = "web", Namespace = "ns" }, "/logs", new V1.DNSConfig());

        Assert.Equal(sandbox, CriConfigMapping.Decode(CriConfigMapping.Encode(sandbox)));
    }
}
