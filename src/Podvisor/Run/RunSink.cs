using System.Collections.Concurrent;
using System.Threading.Channels;
using k8s.Models;
using Podvisor.Agent;
using Podvisor.Core.Model;

namespace Podvisor.Run;

/// <summary>
/// The in-memory store of <c>podvisor run</c>: the pods it runs, their latest status and every event, plus a change feed
/// for the live view and completion signals (terminal phase, final removal) for the run loop.
/// </summary>
public sealed class RunSink : IPodStatusSink
{
    private readonly ConcurrentDictionary<string, V1Pod> _pods = new();
    private readonly ConcurrentQueue<Corev1Event> _events = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _terminal = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _removed = new();
    private readonly Channel<RunChange> _changes = Channel.CreateUnbounded<RunChange>(new UnboundedChannelOptions { SingleReader = true });

    public ChannelReader<RunChange> Changes => _changes.Reader;

    public IReadOnlyCollection<V1Pod> Pods => _pods.Values.OrderBy(p => p.Metadata.Name, StringComparer.Ordinal).ToList();

    public void Add(V1Pod pod)
    {
        _pods[pod.Metadata.Uid] = pod;
        _terminal[pod.Metadata.Uid] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _removed[pod.Metadata.Uid] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

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
        _changes.Writer.TryWrite(new RunChange(pod, status, null));
        if (PodPhases.IsTerminal(status.Phase))
        {
            _terminal[uid].TrySetResult();
        }
    }

    public void EventRecorded(Corev1Event evt)
    {
        _events.Enqueue(evt);
        if (_pods.TryGetValue(evt.InvolvedObject.Uid, out var pod))
        {
            _changes.Writer.TryWrite(new RunChange(pod, pod.Status, evt));
        }
    }

    public void PodTerminated(string uid)
    {
        if (_removed.TryGetValue(uid, out var tcs))
        {
            tcs.TrySetResult();
        }
    }
}

/// <summary>One change seen by the run loop: a new status, or an event.</summary>
public sealed record RunChange(V1Pod Pod, V1PodStatus? Status, Corev1Event? Event);
