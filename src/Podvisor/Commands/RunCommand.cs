using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Podvisor.Agent;
using Podvisor.Core.Model;
using Podvisor.Run;
using Podvisor.Runtime;
using Podvisor.Runtime.Cri;

namespace Podvisor.Commands;

/// <summary>
/// <c>podvisor run FILE</c> (design §4.1): runs the pods in the foreground until they are all terminal, the timeout
/// passes or SIGINT/SIGTERM arrives. Exit 0 all Succeeded, 1 some Failed, 2 invalid input, 3 timeout.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "Pod manifest (YAML or JSON, one or more pods; - for stdin)." };
        var output = new Option<string?>("--output", "-o") { Description = "Print the final Pods and their Events as one v1 List: json or yaml." };
        output.AcceptOnlyFromAmong("json", "yaml");
        var timeout = new Option<TimeSpan?>("--timeout")
        {
            Description = "Delete the pods gracefully and exit 3 after this long (Go duration, e.g. 90s).",
            CustomParser = r => r.Tokens.Count == 0 ? null : CommonOptions.ParseDuration(r, r.Tokens[0].Value, TimeSpan.FromMilliseconds(1), TimeSpan.MaxValue),
        };
        var runtime = CommonOptions.Runtime();
        var endpoint = CommonOptions.ContainerRuntimeEndpoint();
        var gates = CommonOptions.FeatureGates();
        var dataDir = CommonOptions.DataDir("Where logs, volumes and runtime state live (default: a temporary directory removed afterwards).");
        var backoffMax = CommonOptions.CrashLoopBackOffMax();
        var command = new Command("run", "Run the pod(s) in FILE until they finish.") { file, output, timeout, runtime, endpoint, gates, dataDir, backoffMax };
        command.SetAction((parse, ct) => ExecuteAsync(
            parse.GetValue(file)!, parse.GetValue(output), parse.GetValue(timeout), CommonOptions.Gates(parse, gates),
            parse.GetValue(dataDir), parse.GetValue(backoffMax), parse.GetValue(runtime)!, parse.GetValue(endpoint)!));
        return command;
    }

    private static async Task<int> ExecuteAsync(
        string path, string? output, TimeSpan? timeout, Core.FeatureGates gates, string? dataDir, TimeSpan? backoffMax, string runtime, string endpoint)
    {
        var (pods, error) = ManifestLoader.Load(path, gates, runsImages: runtime == "cri");
        if (error is not null)
        {
            Console.Error.WriteLine(error);
            return PodRunner.ExitInvalid;
        }

        var temporary = dataDir is null;
        var dir = dataDir ?? Directory.CreateTempSubdirectory("podvisor-run-").FullName;
        using var logs = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; })
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter((_, level) => level >= LogLevel.Warning));
        using var interrupted = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
        try
        {
            IContainerRuntime containers;
            try
            {
                containers = await CommonOptions.OpenRuntimeAsync(runtime, endpoint, dir, logs);
            }
            catch (CriRuntimeUnavailableException ex)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
                return PodRunner.ExitInvalid;
            }

            await using var lifetime = (IAsyncDisposable)containers;
            var settings = new RunSettings
            {
                Agent = new AgentOptions { DataDir = dir, Gates = gates, CrashLoopBackOffMax = backoffMax },
                Output = output,
                Timeout = timeout,
                Live = output is null && !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") is not (null or "dumb"),
            };
            return await PodRunner.RunAsync(pods, containers, settings, TimeProvider.System, logs, interrupted.Token);
        }
        finally
        {
            if (temporary)
            {
                TryDelete(dir);
            }
        }

        void Interrupt(PosixSignalContext context)
        {
            context.Cancel = true;
            interrupted.Cancel();
        }
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
