using System.CommandLine;
using Microsoft.Extensions.Logging;
using Podvisor.Core;
using Podvisor.Core.Model;
using Podvisor.Node;
using Podvisor.Runtime;
using Podvisor.Runtime.Cri;

namespace Podvisor.Commands;

/// <summary>Options shared by <c>run</c> and <c>serve</c>, parsed the kubelet's way.</summary>
internal static class CommonOptions
{
    /// <summary>
    /// The commands' diagnostics: one timestamped line per message at <paramref name="minimum"/> and above, on stderr,
    /// so stdout stays the command's output (run's List).
    /// </summary>
    public static ILoggerFactory ConsoleLogs(LogLevel minimum) =>
        LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; })
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .SetMinimumLevel(minimum));

    public static Option<string?> FeatureGates() => new("--feature-gates")
    {
        Description = "Feature gates, as the kubelet takes them: ContainerRestartRules and RestartAllContainersOnContainerExits, both true by default as in Kubernetes v1.36 (e.g. RestartAllContainersOnContainerExits=false).",
        CustomParser = r => r.Tokens.Count == 0 ? null : r.Tokens[0].Value,
        Validators = { r => { if (!Core.FeatureGates.TryParse(r.GetValueOrDefault<string?>(), out _, out var e)) { r.AddError(e!); } } },
    };

    public static Option<string> Runtime() => new("--runtime")
    {
        Description = "Container runtime: \"process\" (containers are host processes) or \"cri\" (images, through a CRI runtime such as containerd).",
        DefaultValueFactory = _ => NodeOptions.ProcessRuntime,
        Validators = { r => { if (r.GetValueOrDefault<string>() is not (NodeOptions.ProcessRuntime or NodeOptions.CriRuntime)) { r.AddError("--runtime: expected \"process\" or \"cri\""); } } },
    };

    public static Option<string> ContainerRuntimeEndpoint() => new("--container-runtime-endpoint")
    {
        Description = "The CRI endpoint for --runtime cri.",
        DefaultValueFactory = _ => CriRuntimeOptions.DefaultEndpoint,
    };

    public static Option<long> ContainerLogMaxSize() => new("--container-log-max-size")
    {
        Description = "The size (e.g. 10Mi) at which a container log file is rotated, as the kubelet's flag (default 10Mi).",
        DefaultValueFactory = _ => ContainerLogRotation.Default.MaxSize,
        CustomParser = r => ParseSize(r),
    };

    public static Option<int> ContainerLogMaxFiles() => new("--container-log-max-files")
    {
        Description = "The most log files a container instance keeps, the current one included; at least 2, as the kubelet's flag (default 5).",
        DefaultValueFactory = _ => ContainerLogRotation.Default.MaxFiles,
        Validators = { r => { if (r.GetValueOrDefault<int>() < 2) { r.AddError($"invalid configuration: containerLogMaxFiles (--container-log-max-files) {r.GetValueOrDefault<int>()} must be greater than 1"); } } },
    };

    public static ContainerLogRotation LogRotation(ParseResult parse, Option<long> maxSize, Option<int> maxFiles) =>
        new(parse.GetValue(maxSize), parse.GetValue(maxFiles));

    public static Option<string?> DataDir(string description) => new("--data-dir") { Description = description };

    public static Option<TimeSpan?> CrashLoopBackOffMax() => new("--crash-loop-backoff-max")
    {
        Description = "Maximum CrashLoopBackOff delay, 1s..300s (KubeletCrashLoopBackOffMax); default 300s.",
        CustomParser = r => r.Tokens.Count == 0 ? null : ParseDuration(r, r.Tokens[0].Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(300)),
    };

    public static FeatureGates Gates(ParseResult parse, Option<string?> option)
    {
        // The option's validator rejects what does not parse, so this only fails on a programming error.
        return Core.FeatureGates.TryParse(parse.GetValue(option), out var gates, out var error) ? gates : throw new InvalidOperationException(error);
    }

    /// <summary>A Kubernetes quantity of bytes (<c>10Mi</c>, <c>1G</c>, <c>500000</c>), more than zero.</summary>
    private static long ParseSize(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
        try
        {
            var bytes = new k8s.Models.ResourceQuantity(text).ToDecimal();
            if (bytes >= 1 && bytes <= long.MaxValue)
            {
                return (long)bytes;
            }
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            // reported below
        }

        result.AddError($"invalid size \"{text}\": expected a quantity such as 10Mi");
        return 0;
    }

    /// <summary>Go duration syntax (<c>90s</c>, <c>5m</c>, <c>1h30m</c>), within bounds.</summary>
    public static TimeSpan? ParseDuration(System.CommandLine.Parsing.ArgumentResult result, string text, TimeSpan min, TimeSpan max)
    {
        if (!GoDuration.TryParse(text, out var value) || value < min || value > max)
        {
            result.AddError($"invalid duration \"{text}\": expected a Go duration such as 30s or 5m between {GoDuration.Format(min)} and {GoDuration.Format(max)}");
            return null;
        }

        return value;
    }
}
