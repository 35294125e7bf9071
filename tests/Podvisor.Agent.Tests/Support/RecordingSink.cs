using System.Collections.Concurrent;
using k8s.Models;
using Podvisor.Node.Abstractions;

namespace Podvisor.Agent.Tests.Support;

/// <summary>An <see cref="IPodStatusSink"/> that keeps every status and event it is given, in order.</summary>
public sealed class RecordingSink : IPodStatusSink
{
    private readonly ConcurrentQueue<(string Uid, V1PodStatus Status)> _statuses = new();
    private readonly ConcurrentQueue<Corev1Event> _events = new();
    private readonly ConcurrentDictionary<string, string?> _terminated = new();

    public IReadOnlyList<V1PodStatus> Statuses(string uid) => _statuses.Where(s => s.Uid == uid).Select(s => s.Status).ToList();

    public V1PodStatus? Latest(string uid) => Statuses(uid) is [.., var last] ? last : null;

    /// <summary>Events in recording order; an aggregated repeat appears again with a higher count.</summary>
    public IReadOnlyList<Corev1Event> Events => _events.ToArray();

    public bool IsTerminated(string uid) => _terminated.ContainsKey(uid);

    /// <summary>The phase of the last status written before <see cref="PodTerminated"/> was called for the pod.</summary>
    public string? PhaseWhenTerminated(string uid) => _terminated.GetValueOrDefault(uid);

    public void StatusChanged(string uid, V1PodStatus status) => _statuses.Enqueue((uid, status));

    public void EventRecorded(Corev1Event evt) => _events.Enqueue(evt);

    public void PodTerminated(string uid) => _terminated[uid] = Latest(uid)?.Phase;
}
