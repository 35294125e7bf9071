using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Podvisor.Core.Model;
using Podvisor.Node;
using Podvisor.Run;
using Podvisor.Runtime.Cri;

namespace Podvisor.Commands;

/// <summary>
/// <c>podvisor run FILE</c> (docs/contracts.md §1): runs the pods in the foreground until they are all terminal, the timeout
/// passes or SIGINT/SIGTERM arrives, showing their states, events and output.
/// </summary>
internal static class RunCommand
{
    private const string ExitStatusHelp = """
        Exit status: 0 every pod Succeeded; 1 some pod Failed; 2 invalid input or options (nothing run);
        3 the timeout passed; 130 interrupted by SIGINT (Ctrl-C). After a timeout, SIGINT or SIGTERM the pods are
        deleted gracefully and the final objects are still printed.
        """;

    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "Pod manifest (YAML or JSON, one or more pods; - for stdin)." };
        var output = new Option<string?>("--output", "-o") { Description = "Print the final Pods and their Events as one v1 List on stdout: json or yaml." };
        output.AcceptOnlyFromAmong("json", "yaml");
        var timeout = new Option<TimeSpan?>("--timeout")
        {
            Description = "Delete the pods gracefully and exit 3 after this long (Go duration, e.g. 90s).",
            CustomParser = r => r.Tokens.Count == 0 ? null : CommonOptions.ParseDuration(r, r.Tokens[0].Value, TimeSpan.FromMilliseconds(1), TimeSpan.MaxValue),
        };
        var node = new NodeFlags("Where logs, volumes and runtime state live; the containers' CRI log files stay in DIR/logs (default: a temporary directory removed afterwards).");
        var command = new Command("run", "Run the pod(s) in FILE until they finish, showing their states, events and output.\n\n" + ExitStatusHelp)
        {
            file, output, timeout,
        };
        node.AddTo(command);
        command.SetAction((parse, ct) => ExecuteAsync(parse.GetValue(file)!, parse.GetValue(output), parse.GetValue(timeout), parse.GetValue(node.DataDir), node.Options(parse, dataDir: "") with
        {
            // The logs of deleted pods stay: --data-dir keeps them, a temporary dir is removed below.
            KeepLogsOfDeletedPods = true,
        }));
        return command;
    }

    private static async Task<int> ExecuteAsync(string path, string? output, TimeSpan? timeout, string? dataDir, NodeOptions options)
    {
        var (manifest, error) = ManifestLoader.Load(path, options.Gates, options.RunsImages);
        if (manifest is null)
        {
            Console.Error.WriteLine(error);
            return PodRunner.ExitInvalid;
        }

        var temporary = dataDir is null;
        options = options with { DataDir = Path.GetFullPath(dataDir ?? Directory.CreateTempSubdirectory("podvisor-run-").FullName) };
        var host = HostFacts.Detect(options.DataDir);
        using var interrupted = new CancellationTokenSource();
        using var terminated = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Cancel(c, interrupted));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Cancel(c, terminated));
        var runner = new PodRunner(manifest.Pods, new RunSettings
        {
            NodeName = options.NodeNameOn(host),
            ConfigObjects = new ManifestConfigObjects(manifest.ConfigMaps, manifest.Secrets),
            Output = output,
            Timeout = timeout,
            Live = output is null && !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") is not (null or "dumb"),
        }, TimeProvider.System);
        using var logs = CommonOptions.ConsoleLogs(LogLevel.Warning);
        try
        {
            PodvisorNode node;
            try
            {
                node = await PodvisorNode.OpenAsync(options, logs, host);
            }
            catch (CriRuntimeUnavailableException ex)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
                return PodRunner.ExitInvalid;
            }

            await using var lifetime = node;
            return await runner.RunAsync(node, interrupted.Token, terminated.Token);
        }
        finally
        {
            if (temporary)
            {
                TryDelete(options.DataDir);
            }
        }
    }

    private static void Cancel(PosixSignalContext context, CancellationTokenSource source)
    {
        context.Cancel = true;
        source.Cancel();
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // A volume still mounted (e.g. a tmpfs a crashed container kept busy) stays; it is under /tmp.
        }
    }
}
