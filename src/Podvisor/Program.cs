using System.CommandLine;
using Podvisor.Commands;

namespace Podvisor;

/// <summary>The <c>podvisor</c> command (docs/contracts.md §1): run, serve, restart, validate, version.</summary>
public static class Program
{
    /// <summary>Invalid options exit as invalid input does (docs/contracts.md §1).</summary>
    private const int ExitInvalid = 2;

    public static async Task<int> Main(string[] args)
    {
        if (args is ["version"])
        {
            return VersionCommand.Print();
        }

        var root = new RootCommand("Podvisor: a Kubernetes-compatible pod agent for one machine, with the kubelet's Kubernetes v1.36 lifecycle semantics.")
        {
            RunCommand.Create(),
            ServeCommand.Create(),
            RestartCommand.Create(),
            ValidateCommand.Create(),
            VersionCommand.Create(),
            ShimCommand.Create(),
        };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                Console.Error.WriteLine($"error: {error.Message}");
            }

            Console.Error.WriteLine($"Run '{string.Join(' ', ["podvisor", .. CommandPath(parse.CommandResult.Command, root)])} --help' for usage.");
            return ExitInvalid;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    private static IEnumerable<string> CommandPath(Command command, RootCommand root) =>
        command == root ? [] : [command.Name];
}
