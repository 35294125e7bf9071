using Podvisor.Core.Model;

namespace Podvisor.Agent.Tests.Support;

/// <summary>The agent's settings in unit tests: a fixed node (name, IP, resources) and no I/O.</summary>
internal static class TestAgentOptions
{
    public static AgentOptions For(string dataDir) => new()
    {
        DataDir = dataDir,
        NodeName = "node-1",
        HostIp = "192.0.2.10",
        Resources = new NodeResources(4, 8L << 30, 100L << 30),
    };
}
