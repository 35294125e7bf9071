using Podvisor.Runtime.Cri.Tests.Harness;
using Podvisor.Runtime.Cri.V1;

namespace Podvisor.Runtime.Cri.Tests;

[Collection(ContainerdCollection.Name)]
public sealed class HarnessTests(ContainerdFixture containerd)
{
    [CriFact]
    public async Task ThePrivateContainerdAnswersCRIV1AndHasTheTestImagesInItsRegistry()
    {
        using var connection = CriConnection.Open(containerd.Endpoint);
        var version = await connection.Runtime.VersionAsync(new VersionRequest { Version = "v1" });
        Assert.Equal("containerd", version.RuntimeName);
        Assert.Equal("v1", version.RuntimeApiVersion);

        var pulled = await connection.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = containerd.Image(TestImages.Entrypoint) } });
        Assert.StartsWith("sha256:", pulled.ImageRef);
    }
}
