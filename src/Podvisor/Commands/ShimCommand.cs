using System.CommandLine;
using Microsoft.Extensions.Logging;
using Podvisor.Runtime.Process.Shim;

namespace Podvisor.Commands;

/// <summary><c>podvisor shim</c> (hidden): the process that owns serve's containers, started by serve itself.</summary>
internal static class ShimCommand
{
    public const string Name = "shim";

    public static Command Create()
    {
        var dataDir = new Option<string>("--data-dir") { Required = true };
        var privileged = new Option<bool?>("--privileged");
        var command = new Command(Name, "The container shim of a data dir (started by serve).") { dataDir, privileged };
        command.Hidden = true;
        command.SetAction(async (parse, _) =>
        {
            using var logs = CommonOptions.ConsoleLogs(LogLevel.Information);
            return await ContainerShim.RunAsync(parse.GetValue(dataDir)!, parse.GetValue(privileged), logs);
        });
        return command;
    }

    /// <summary>How serve starts it: this very program, through the dotnet host when that is how it runs.</summary>
    public static IReadOnlyList<string> SelfCommand()
    {
        var host = Environment.ProcessPath!;
        return Path.GetFileNameWithoutExtension(host) == "dotnet"
            ? [host, typeof(ShimCommand).Assembly.Location, Name]
            : [host, Name];
    }
}
