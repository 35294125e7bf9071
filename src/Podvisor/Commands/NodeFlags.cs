using System.CommandLine;
using Podvisor.Node;

namespace Podvisor.Commands;

/// <summary>The node flags <c>run</c> and <c>serve</c> share, and the one place that turns them into <see cref="NodeOptions"/>.</summary>
internal sealed class NodeFlags(string dataDirDescription)
{
    public Option<string> Runtime { get; } = CommonOptions.Runtime();

    public Option<string> ContainerRuntimeEndpoint { get; } = CommonOptions.ContainerRuntimeEndpoint();

    public Option<string?> FeatureGates { get; } = CommonOptions.FeatureGates();

    public Option<string?> DataDir { get; } = CommonOptions.DataDir(dataDirDescription);

    public Option<TimeSpan?> CrashLoopBackOffMax { get; } = CommonOptions.CrashLoopBackOffMax();

    public Option<long> ContainerLogMaxSize { get; } = CommonOptions.ContainerLogMaxSize();

    public Option<int> ContainerLogMaxFiles { get; } = CommonOptions.ContainerLogMaxFiles();

    /// <summary>Adds every flag to <paramref name="command"/>, in help order.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Runtime, ContainerRuntimeEndpoint, FeatureGates, DataDir, CrashLoopBackOffMax, ContainerLogMaxSize, ContainerLogMaxFiles })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The node the flags describe, with its data in <paramref name="dataDir"/> (each command picks its default).</summary>
    public NodeOptions Options(ParseResult parse, string dataDir) => new()
    {
        DataDir = dataDir,
        Runtime = parse.GetValue(Runtime)!,
        ContainerRuntimeEndpoint = parse.GetValue(ContainerRuntimeEndpoint)!,
        Gates = CommonOptions.Gates(parse, FeatureGates),
        CrashLoopBackOffMax = parse.GetValue(CrashLoopBackOffMax),
        LogRotation = CommonOptions.LogRotation(parse, ContainerLogMaxSize, ContainerLogMaxFiles),
    };
}
