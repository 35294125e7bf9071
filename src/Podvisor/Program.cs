using System.CommandLine;
using Podvisor.Commands;

namespace Podvisor;

/// <summary>The <c>podvisor</c> command (design §4.1): run, serve, validate, version.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("Podvisor: a Kubernetes-compatible pod agent for one machine, with the kubelet's Kubernetes v1.36 lifecycle semantics.")
        {
            RunCommand.Create(),
            ServeCommand.Create(),
            ValidateCommand.Create(),
            VersionCommand.Create(),
        };
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }
}
