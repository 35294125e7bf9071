using k8s.Models;
using Podvisor.Agent.Tests.Support;
using Podvisor.Core.Model;
using Podvisor.Node.Abstractions;
using Podvisor.Runtime;

namespace Podvisor.Agent.Tests;

/// <summary>What an image runtime (CRI) needs from the container config: command and args apart, resources.</summary>
public sealed class ContainerConfigFactoryTests
{
    [Fact]
    public void CommandAndArgsStayApartAfterExpansionAndArgvJoinsThem()
    {
        var container = new V1Container
        {
            Name = "app", Image = "busybox", Args = ["--name", "$(POD_NAME)"],
            Env = [new V1EnvVar { Name = "POD_NAME", Value = "web" }],
        };

        var config = ContainerConfigFactory.Create(Pod(container), container, ContainerKind.Regular, 0, "/data/0.log", null, TestAgentOptions.For("/data"), NoConfigObjects.Instance);

        Assert.Empty(config.Command);
        Assert.Equal(["--name", "web"], config.Args);
        Assert.Equal(["--name", "web"], config.Argv);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void TheSecurityContextGoesToTheRuntimeAsTheKubeletPassesItToCRI(bool? allowPrivilegeEscalation, bool noNewPrivs)
    {
        var container = new V1Container
        {
            Name = "app", Image = "busybox", Command = ["true"],
            SecurityContext = new V1SecurityContext
            {
                AllowPrivilegeEscalation = allowPrivilegeEscalation, ReadOnlyRootFilesystem = true, Privileged = false,
                Capabilities = new V1Capabilities { Add = ["NET_ADMIN"], Drop = ["ALL"] },
            },
        };

        var config = ContainerConfigFactory.Create(Pod(container), container, ContainerKind.Regular, 0, "/data/0.log", null, TestAgentOptions.For("/data"), NoConfigObjects.Instance);

        Assert.Equal(["NET_ADMIN"], config.Security.AddCapabilities);
        Assert.Equal(["ALL"], config.Security.DropCapabilities);
        Assert.Equal((noNewPrivs, true, false), (config.Security.NoNewPrivileges, config.Security.ReadOnlyRootFilesystem, config.Security.Privileged));
    }

    [Fact]
    public void ResourcesAreMillicoresRoundedUpAndBytes()
    {
        var resources = ContainerConfigFactory.Resources(new V1ResourceRequirements
        {
            Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("250m"), ["memory"] = new("64Mi") },
            Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1.5"), ["memory"] = new("1G") },
        });

        Assert.Equal(new ContainerResources { CpuRequestMilli = 250, CpuLimitMilli = 1500, MemoryRequestBytes = 64L << 20, MemoryLimitBytes = 1_000_000_000 }, resources);
        Assert.Equal(ContainerResources.None, ContainerConfigFactory.Resources(null));
    }

    private static V1Pod Pod(V1Container container) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Uid = "uid-1" },
        Spec = new V1PodSpec { Containers = [container] },
    };
}
