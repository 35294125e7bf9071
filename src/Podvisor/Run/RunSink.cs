using System.Collections.Concurrent;
using System.Threading.Channels;
using k8s.Models;
using Podvisor.Agent;
using Podvisor.Core.Model;
using Podvisor.Node.Abstractions;
using Podvisor.Runtime;

namespace Podvisor.Run;

/// <summary>
/// The in-memory store of <c>podvisor run</c>: the pods it runs, their latest status, every event, the newest container
/// output lines and the RestartAllContainers cycles, plus a change feed for the views and completion signals (terminal
/// phase, final removal) for the run loop.
/// </summary>
public sealed class RunSink : IPodStatusSink
{
    /// <summary>How many output lines the live view's log pane keeps.</summary>
    public const int RecentOutputLines = 12;

    private readonly ConcurrentDictionary<string, V1Pod> _pods = new();
    private readonly ConcurrentQueue<Corev1Event> _events = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _terminal = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _removed = new();
    private readonly ConcurrentQueue<(V1Pod Pod, ContainerOutputLine Line)> _recentOutput = new();
    private readonly Channel<RunChange> _changes = Channel.CreateUnbounded<RunChange>(new UnboundedChannelOptions { SingleReader = true });
    private RestartAllCycles? _cycles;
    private IContainerRuntime? _runtime;

    public ChannelReader<RunChange> Changes => _changes.Reader;

    public IReadOnlyCollection<V1Pod> Pods => _pods.Values.OrderBy(p => p.Metadata.Name, StringComparer.Ordinal).ToList();

    /// <summary>The newest container output lines of all pods, oldest first.</summary>
    public IReadOnlyList<(V1Pod Pod, ContainerOutputLine Line)> RecentOutput => [.. _recentOutput];

    public void Add(V1Pod pod)
    {
        _pods[pod.Metadata.Uid] = pod;
        _terminal[pod.Metadata.Uid] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _removed[pod.Metadata.Uid] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The runtime the pods run on: the restart-all cycles are timed with its exit and start times.</summary>
    public void Attach(IContainerRuntime runtime)
    {
        _runtime = runtime;
        _cycles = new RestartAllCycles(runtime);
    }

    /// <summary>When the container's newest instance exited, as the runtime recorded it (the API has whole seconds).</summary>
    public DateTimeOffset? LastExit(V1Pod pod, string container) =>
        _runtime?.GetPodStatus(pod.Metadata.Uid).FindContainerStatusByName(container)?.FinishedAt;

    /// <summary>The pod's RestartAllContainers cycles so far (the last one may still run).</summary>
    public IReadOnlyList<RestartAllCycle> Cycles(string uid) => _cycles?.Of(uid) ?? [];

    /// <summary>Completes when every pod reached Succeeded or Failed.</summary>
    public Task AllTerminal => Task.WhenAll(_terminal.Values.Select(t => t.Task));

    /// <summary>Completes when every pod was cleaned up after deletion.</summary>
    public Task AllRemoved => Task.WhenAll(_removed.Values.Select(t => t.Task));

    /// <summary>The pods' events, oldest first, the latest copy of each aggregated event.</summary>
    public IReadOnlyList<Corev1Event> Events =>
        _events.GroupBy(e => e.Metadata.Name).Select(g => g.Last()).OrderBy(e => e.FirstTimestamp).ThenBy(e => e.Metadata.Name, StringComparer.Ordinal).ToList();

    public void StatusChanged(string uid, V1PodStatus status)
    {
        if (!_pods.TryGetValue(uid, out var pod))
        {
            return;
        }

        pod.Status = status;
        _changes.Writer.TryWrite(new StatusChange(pod, status));
        if (_cycles?.Observe(pod) is { } finished)
        {
            _changes.Writer.TryWrite(new CycleChange(pod, finished));
        }

        if (PodPhases.IsTerminal(status.Phase))
        {
            _terminal[uid].TrySetResult();
        }
    }

    public void EventRecorded(Corev1Event evt)
    {
        _events.Enqueue(evt);
        if (!_pods.TryGetValue(evt.InvolvedObject.Uid, out var pod))
        {
            return;
        }

        if (evt is { Reason: EventReasons.RestartAllContainers, Type: EventRecorder.TypeNormal } && _cycles is { } cycles)
        {
            // The previous cycle may have ended just before this one began (its containers exit at once).
            if (cycles.Observe(pod) is { } finished)
            {
                _changes.Writer.TryWrite(new CycleChange(pod, finished));
            }

            cycles.Start(pod, evt);
        }

        _changes.Writer.TryWrite(new EventChange(pod, evt));
    }

    public void PodTerminated(string uid)
    {
        if (_removed.TryGetValue(uid, out var tcs))
        {
            tcs.TrySetResult();
        }
    }

    /// <summary>A line a container wrote (from its CRI log file).</summary>
    public void OutputWritten(ContainerOutputLine line)
    {
        if (!_pods.TryGetValue(line.PodUid, out var pod))
        {
            return;
        }

        _recentOutput.Enqueue((pod, line));
        while (_recentOutput.Count > RecentOutputLines && _recentOutput.TryDequeue(out _))
        {
        }

        _changes.Writer.TryWrite(new OutputChange(pod, line));
    }
}
