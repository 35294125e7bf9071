using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Podvisor.Agent;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Node;
using Podvisor.Node.Abstractions;
using Spectre.Console;

namespace Podvisor.Run;

/// <summary>Settings of one <c>podvisor run</c>.</summary>
public sealed record RunSettings
{
    /// <summary>spec.nodeName of the pods: the node's name.</summary>
    public required string NodeName { get; init; }

    /// <summary>The ConfigMaps and Secrets the pods can reference (those of the manifest).</summary>
    public IConfigObjects ConfigObjects { get; init; } = NoConfigObjects.Instance;

    /// <summary>json, yaml, or null (no stdout output).</summary>
    public string? Output { get; init; }

    public TimeSpan? Timeout { get; init; }

    /// <summary>Draw the live view (stdout is a terminal and no structured output was asked for).</summary>
    public bool Live { get; init; }
}

/// <summary>
/// Runs validated pods to completion (docs/contracts.md §1 <c>run</c>): until every pod is terminal (exit 0 if all Succeeded,
/// else 1), or the timeout passes (graceful deletion, exit 3), or SIGINT (graceful deletion, exit 130) or SIGTERM
/// (graceful deletion, exit by the pods' phases). Prints the final Pods and their Events as one v1 List when asked.
/// The view starts at construction, before the runtime is ready, so the pods show as starting at once.
/// </summary>
public sealed class PodRunner
{
    public const int ExitSucceeded = 0;
    public const int ExitFailed = 1;
    public const int ExitInvalid = 2;
    public const int ExitTimeout = 3;
    public const int ExitInterrupted = 130;

    private readonly IReadOnlyList<V1Pod> _pods;
    private readonly RunSettings _settings;
    private readonly TimeProvider _time;
    private readonly RunSink _sink = new();
    private readonly Task _view;
    private PodAgent? _agent;

    public PodRunner(IReadOnlyList<V1Pod> pods, RunSettings settings, TimeProvider time)
    {
        _pods = pods;
        _settings = settings;
        _time = time;
        foreach (var pod in pods)
        {
            Admit(pod, settings.NodeName, time);
            _sink.Add(pod);
        }

        _view = settings.Live
            ? new LiveView(AnsiConsole.Console, time, RequestRestart).RunAsync(_sink, _sink.AllRemoved)
            : ShowPlainAsync();
    }

    /// <param name="interrupted">SIGINT (exit 130).</param>
    /// <param name="terminated">SIGTERM (exit by the pods' phases once they are deleted).</param>
    public async Task<int> RunAsync(PodvisorNode node, CancellationToken interrupted, CancellationToken terminated)
    {
        _sink.Attach(node.Runtime);
        var output = new ContainerOutput(node.Options.DataDir, _sink.OutputWritten);
        var agent = node.StartAgent(_sink, _time, _settings.ConfigObjects);
        _agent = agent;
        foreach (var pod in _pods)
        {
            agent.UpsertPod(pod);
        }

        using var timeout = new CancellationTokenSource(_settings.Timeout ?? Timeout.InfiniteTimeSpan, _time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, interrupted, terminated);
        var stopped = Task.Delay(Timeout.Infinite, stop.Token);

        // Decided before the deletion below: pods that exit 0 on SIGTERM would otherwise turn a timeout into success.
        var stoppedEarly = await Task.WhenAny(_sink.AllTerminal, stopped) == stopped;
        var timedOut = stoppedEarly && timeout.IsCancellationRequested;
        var wasInterrupted = stoppedEarly && interrupted.IsCancellationRequested;

        // Terminal or not, every pod is deleted now: graceful termination for the ones still running, clean-up for all.
        foreach (var pod in _pods)
        {
            agent.DeletePod(pod.Metadata.Uid, null);
        }

        await _sink.AllRemoved;
        _agent = null;
        await output.DisposeAsync();
        await _view;
        if (_settings.Output is { } format)
        {
            Console.Out.Write(RenderList(_sink, format));
        }

        return timedOut ? ExitTimeout
            : wasInterrupted ? ExitInterrupted
            : _sink.Pods.All(p => p.Status?.Phase == PodPhases.Succeeded) ? ExitSucceeded
            : ExitFailed;
    }

    /// <summary>
    /// The live view's <c>r</c>: a new value of the restart-all annotation (docs/lifecycle.md §D14), as <c>podvisor restart</c> sets
    /// it through the API of <c>serve</c>.
    /// </summary>
    private void RequestRestart(V1Pod pod)
    {
        if (_agent is not { } agent)
        {
            return;
        }

        var requested = KubeObject.WithMetadata(pod, metadata =>
        {
            metadata.Annotations ??= new Dictionary<string, string>();
            metadata.Annotations[RestartAllRequest.Annotation] = _time.GetUtcNow().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            metadata.ResourceVersion = (long.Parse(metadata.ResourceVersion ?? "1", System.Globalization.CultureInfo.InvariantCulture) + 1)
                .ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
        pod.Metadata = requested.Metadata;
        agent.UpsertPod(requested);
    }

    /// <summary>What the apiserver and scheduler would have set: namespace, uid, creation time, node.</summary>
    private static void Admit(V1Pod pod, string nodeName, TimeProvider time)
    {
        pod.Metadata.NamespaceProperty ??= "default";
        pod.Metadata.Uid ??= Guid.NewGuid().ToString();
        pod.Metadata.CreationTimestamp ??= time.GetUtcNow().UtcDateTime;
        pod.Metadata.ResourceVersion ??= "1";
        pod.Spec.NodeName ??= nodeName;
        pod.ApiVersion = "v1";
        pod.Kind = "Pod";
    }

    /// <summary>Prints every change until the last pod is cleaned up (graceful deletion included).</summary>
    private async Task ShowPlainAsync()
    {
        var view = new PlainView(Console.Error, _time, _sink);
        foreach (var pod in _sink.Pods)
        {
            view.Starting(pod);
        }

        while (true)
        {
            var removed = _sink.AllRemoved.IsCompleted;
            while (_sink.Changes.TryRead(out var change))
            {
                view.Show(change);
            }

            if (removed)
            {
                return;
            }

            await Task.WhenAny(_sink.Changes.WaitToReadAsync().AsTask(), _sink.AllRemoved);
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
