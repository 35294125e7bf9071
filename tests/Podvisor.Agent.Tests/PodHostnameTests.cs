using k8s.Models;

namespace Podvisor.Agent.Tests;

public sealed class PodHostnameTests
{
    [Theory]
    [InlineData("web-0", null, "web-0")]
    [InlineData("web-0", "worker", "worker")]
    public void The_hostname_is_spec_hostname_or_the_pod_name(string name, string? hostname, string expected) =>
        Assert.Equal(expected, PodHostname.Of(new V1Pod { Metadata = new V1ObjectMeta { Name = name }, Spec = new V1PodSpec { Hostname = hostname } }));

    [Fact]
    public void A_long_pod_name_is_cut_to_63_characters_without_a_trailing_dash_or_dot()
    {
        var name = new string('a', 61) + "-.b";
        Assert.Equal(new string('a', 61), PodHostname.Of(new V1Pod { Metadata = new V1ObjectMeta { Name = name }, Spec = new V1PodSpec() }));
    }
}
