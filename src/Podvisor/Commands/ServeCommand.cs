using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Podvisor.Api;
using Podvisor.Node;
using Podvisor.Runtime.Cri;

namespace Podvisor.Commands;

/// <summary>
/// <c>podvisor serve</c> (docs/contracts.md §1): the Kubernetes Pod API plus the agent, on a durable store in the data dir.
/// Writes <c>DIR/kubeconfig</c>, prints the URL on stderr, serves until SIGTERM/SIGINT. Pods keep their containers
/// across a restart of serve only as far as the runtime can recover them (lost containers restart per policy).
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var listen = new Option<string>("--listen")
        {
            Description = "Address to serve on, HOST:PORT (port 0 picks a free port). Non-loopback addresses need --token-file.",
            DefaultValueFactory = _ => "127.0.0.1:0",
        };
        var tokenFile = new Option<string?>("--token-file") { Description = "A file holding the bearer token every request must carry; the API then serves HTTPS with a self-signed certificate that DIR/kubeconfig trusts." };
        var node = new NodeFlags("Where the store, logs, volumes and runtime state live (default: ./podvisor-data).");
        var command = new Command("serve", "Serve the Kubernetes Pod API and run its pods on this machine.")
        {
            listen, tokenFile,
        };
        node.AddTo(command);
        command.SetAction((parse, ct) => ExecuteAsync(parse.GetValue(listen)!, parse.GetValue(tokenFile), node.Options(parse, Path.GetFullPath(parse.GetValue(node.DataDir) ?? "podvisor-data")) with
        {
            ContainersOutliveAgent = true,
        }));
        return command;
    }

    private static async Task<int> ExecuteAsync(string listen, string? tokenFile, NodeOptions options)
    {
        using var logs = CommonOptions.ConsoleLogs(LogLevel.Warning);
        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        PodvisorNode node;
        try
        {
            node = await PodvisorNode.OpenAsync(options, logs);
        }
        catch (CriRuntimeUnavailableException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }

        await using var lifetime = node;
        PodvisorApiServer server;
        string url;
        try
        {
            (server, url) = await node.ServeAsync(listen, tokenFile, stop.Token);
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }

        Console.Error.WriteLine($"podvisor {VersionCommand.Version}: serving the Kubernetes API at {url}");
        Console.Error.WriteLine($"kubectl --kubeconfig {server.KubeconfigPath} get pods");
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await server.StopAsync();
        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }
}
