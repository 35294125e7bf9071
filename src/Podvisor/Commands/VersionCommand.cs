using System.CommandLine;
using System.Reflection;
using Podvisor.Core;

namespace Podvisor.Commands;

/// <summary><c>podvisor version</c>.</summary>
internal static class VersionCommand
{
    public static string Version =>
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static Command Create()
    {
        var command = new Command("version", "Print the Podvisor version and the Kubernetes semantics it implements.");
        command.SetAction(_ => Print());
        return command;
    }

    /// <summary>Also called before any command-line parsing: <c>podvisor version</c> is a process start, nothing more.</summary>
    public static int Print()
    {
        Console.Out.WriteLine($"podvisor {Version}");
        Console.Out.WriteLine($"kubernetes semantics: {KubernetesRelease.Version}");
        Console.Out.WriteLine($"default feature gates: {FeatureGates.Default}");
        return 0;
    }
}
