using k8s.Models;
using Podvisor.Agent.Volumes;

namespace Podvisor.Agent.Tests.Volumes;

/// <summary>The hosts file's content as kubelet_pods.go writes it (managedHostsFileContent, nodeHostsFileContent).</summary>
public sealed class EtcHostsTests
{
    private const string Boilerplate =
        "# Kubernetes-managed hosts file.\n" +
        "127.0.0.1\tlocalhost\n" +
        "::1\tlocalhost ip6-localhost ip6-loopback\n" +
        "fe00::0\tip6-localnet\n" +
        "fe00::0\tip6-mcastprefix\n" +
        "fe00::1\tip6-allnodes\n" +
        "fe00::2\tip6-allrouters\n";

    private static readonly List<V1HostAlias> Aliases =
    [
        new() { Ip = "127.0.0.1", Hostnames = ["foo.local", "bar.local"] },
        new() { Ip = "10.1.2.3", Hostnames = ["foo.remote"] },
    ];

    private static string NoNodeFile() => throw new InvalidOperationException("the node's hosts file is read only for hostNetwork pods");

    [Fact]
    public void APodGetsLocalhostTheIPv6NamesAndItsIPWithItsHostname() =>
        Assert.Equal(Boilerplate + "10.234.0.7\tweb-0\n", EtcHosts.Content(["10.234.0.7"], "web-0", "", null, hostNetwork: false, NoNodeFile));

    [Fact]
    public void WithASubdomainThePodIPLineNamesTheFQDNFirst() =>
        Assert.Equal(
            Boilerplate + "10.234.0.7\tweb-0.svc-a.team.svc.cluster.local\tweb-0\n",
            EtcHosts.Content(["10.234.0.7"], "web-0", "svc-a.team.svc.cluster.local", [], hostNetwork: false, NoNodeFile));

    [Fact]
    public void HostAliasesFollowInTheirOwnSectionOneLinePerIP() =>
        Assert.Equal(
            Boilerplate + "10.234.0.7\tweb-0\n\n# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n10.1.2.3\tfoo.remote\n",
            EtcHosts.Content(["10.234.0.7"], "web-0", "", Aliases, hostNetwork: false, NoNodeFile));

    [Fact]
    public void AHostNetworkPodGetsTheNodesFileUnderItsOwnHeaderAndItsAliases() =>
        Assert.Equal(
            "# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n192.0.2.1 node\n\n# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n10.1.2.3\tfoo.remote\n",
            EtcHosts.Content([], "web-0", "svc-a.team.svc.cluster.local", Aliases, hostNetwork: true, () => "127.0.0.1 localhost\n192.0.2.1 node\n"));
}
