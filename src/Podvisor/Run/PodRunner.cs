using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Podvisor.Agent;
using Podvisor.Core.Model;
using Podvisor.Runtime;
using Spectre.Console;

namespace Podvisor.Run;

/// <summary>Settings of one <c>podvisor run</c>.</summary>
public sealed record RunSettings
{
    public required AgentOptions Agent { get; init; }

    /// <summary>json, yaml, or null (no stdout output).</summary>
    public string? Output { get; init; }

    public TimeSpan? Timeout { get; init; }

    /// <summary>Draw the live view (stdout is a terminal and no structured output was asked for).</summary>
    public bool Live { get; init; }
}

/// <summary>
/// Runs validated pods to completion (design §4.1 <c>run</c>): until every pod is terminal (exit 0 if all Succeeded,
/// else 1), or the timeout passes (graceful deletion, exit 3), or SIGINT/SIGTERM (graceful deletion). Prints the final
/// Pods and their Events as one v1 List when asked.
/// </summary>
public static class PodRunner
{
    public const int ExitSucceeded = 0;
    public const int ExitFailed = 1;
    public const int ExitInvalid = 2;
    public const int ExitTimeout = 3;

    public static async Task<int> RunAsync(IReadOnlyList<V1Pod> pods, IContainerRuntime runtime, RunSettings settings,
        TimeProvider time, ILoggerFactory logs, CancellationToken interrupted)
    {
        var sink = new RunSink();
        await using var agent = new PodAgent(runtime, sink, settings.Agent, time, logs);
        foreach (var pod in pods)
        {
            Admit(pod, settings.Agent, time);
            sink.Add(pod);
            agent.UpsertPod(pod);
        }

        using var timeout = new CancellationTokenSource(settings.Timeout ?? Timeout.InfiniteTimeSpan, time);
        var stopped = Task.Delay(Timeout.Infinite, CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, interrupted).Token);
        var finished = Task.WhenAny(sink.AllTerminal, stopped);
        var view = settings.Live
            ? new LiveView(AnsiConsole.Console, time).RunAsync(sink, sink.AllRemoved)
            : ShowPlainAsync(sink, time);

        // Decided before the deletion below: pods that exit 0 on SIGTERM would otherwise turn a timeout into success.
        var timedOut = await finished == stopped && timeout.IsCancellationRequested;

        // Terminal or not, every pod is deleted now: graceful termination for the ones still running, clean-up for all.
        foreach (var pod in pods)
        {
            agent.DeletePod(pod.Metadata.Uid, null);
        }

        await sink.AllRemoved;
        await view;
        if (settings.Output is { } format)
        {
            Console.Out.Write(RenderList(sink, format));
        }

        return timedOut ? ExitTimeout
            : sink.Pods.All(p => p.Status?.Phase == PodPhases.Succeeded) ? ExitSucceeded
            : ExitFailed;
    }

    /// <summary>What the apiserver and scheduler would have set: namespace, uid, creation time, node.</summary>
    private static void Admit(V1Pod pod, AgentOptions options, TimeProvider time)
    {
        pod.Metadata.NamespaceProperty ??= "default";
        pod.Metadata.Uid ??= Guid.NewGuid().ToString();
        pod.Metadata.CreationTimestamp ??= time.GetUtcNow().UtcDateTime;
        pod.Metadata.ResourceVersion ??= "1";
        pod.Spec.NodeName ??= options.NodeName;
        pod.ApiVersion = "v1";
        pod.Kind = "Pod";
    }

    /// <summary>Prints every change until the last pod is cleaned up (graceful deletion included).</summary>
    private static async Task ShowPlainAsync(RunSink sink, TimeProvider time)
    {
        var view = new PlainView(Console.Error, time);
        while (true)
        {
            var removed = sink.AllRemoved.IsCompleted;
            while (sink.Changes.TryRead(out var change))
            {
                view.Show(change);
            }

            if (removed)
            {
                return;
            }

            await Task.WhenAny(sink.Changes.WaitToReadAsync().AsTask(), sink.AllRemoved);
        }
    }

    /// <summary>One v1 List: the final Pods, then all their Events oldest first.</summary>
    public static string RenderList(RunSink sink, string format)
    {
        var items = sink.Pods.Cast<object>().Concat(sink.Events).ToList();
        if (format == "yaml")
        {
            var yaml = new System.Text.StringBuilder("apiVersion: v1\nkind: List\nmetadata:\n  resourceVersion: \"\"\nitems:\n");
            foreach (var item in items)
            {
                var lines = KubernetesYaml.Serialize(item).TrimEnd('\n').Split('\n');
                yaml.Append("- ").Append(lines[0]).Append('\n');
                foreach (var line in lines.Skip(1))
                {
                    yaml.Append("  ").Append(line).Append('\n');
                }
            }

            return yaml.ToString();
        }

        var list = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "List",
            ["metadata"] = new JsonObject { ["resourceVersion"] = "" },
            ["items"] = new JsonArray(items.Select(i => JsonNode.Parse(KubernetesJson.Serialize(i))).ToArray()),
        };
        return list.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
    }
}
