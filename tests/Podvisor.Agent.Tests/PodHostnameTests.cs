using k8s.Models;

namespace Podvisor.Agent.Tests;

public sealed class PodHostnameTests
{
    [Theory]
    [InlineData("web-0", null, "web-0")]
    [InlineData("web-0", "worker", "worker")]
    public void TheHostnameIsSpecHostnameOrThePodName(string name, string? hostname, string expected) =>
        Assert.Equal(expected, PodHostname.Of(new V1Pod { Metadata = new V1ObjectMeta { Name = name }, Spec = new V1PodSpec { Hostname = hostname } }));

    [Fact]
    public void ALongPodNameIsCutTo63CharactersWithoutATrailingDashOrDot()
    {
        var name = new string('a', 61) + "-.b";
        Assert.Equal(new string('a', 61), PodHostname.Of(new V1Pod { Metadata = new V1ObjectMeta { Name = name }, Spec = new V1PodSpec() }));
    }

    [Fact]
    public void WithASubdomainTheDomainIsSubdomainNamespaceSvcClusterDomain()
    {
        var pod = Pod("web-0", subdomain: "workers");
        Assert.Equal("workers.team.svc.cluster.local", PodHostname.Domain(pod, "cluster.local"));
        Assert.Equal("", PodHostname.Domain(Pod("web-0"), "cluster.local"));
    }

    /// <summary>GetNodenameForKernel: the short name unless setHostnameAsFQDN with a subdomain; an FQDN over 64 characters fails.</summary>
    [Fact]
    public void TheKernelsHostnameIsTheFQDNOnlyWithSetHostnameAsFQDNAndASubdomain()
    {
        Assert.Equal("web-0", PodHostname.ForKernel(Pod("web-0", subdomain: "workers"), "cluster.local"));
        Assert.Equal("web-0", PodHostname.ForKernel(Pod("web-0", fqdn: true), "cluster.local"));
        Assert.Equal("web-0.workers.team.svc.cluster.local", PodHostname.ForKernel(Pod("web-0", subdomain: "workers", fqdn: true), "cluster.local"));

        var error = Assert.Throws<InvalidOperationException>(() => PodHostname.ForKernel(Pod(new string('w', 40), subdomain: "workers", fqdn: true), "cluster.local"));
        Assert.Equal(
            $"failed to construct FQDN from pod hostname and cluster domain, FQDN {new string('w', 40)}.workers.team.svc.cluster.local is too long (64 characters is the max, 71 characters requested)",
            error.Message);
    }

    private static V1Pod Pod(string name, string? subdomain = null, bool? fqdn = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "team" },
        Spec = new V1PodSpec { Subdomain = subdomain, SetHostnameAsFQDN = fqdn },
    };
}
