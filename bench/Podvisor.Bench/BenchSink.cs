using System.Collections.Concurrent;
using k8s.Models;
using Podvisor.Agent;
using Podvisor.Node.Abstractions;

namespace Podvisor.Bench;

/// <summary>The agent's status sink: keeps the latest status per pod and signals final removal. Never blocks.</summary>
internal sealed class BenchSink : IPodStatusSink
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _terminated = new();

    public ConcurrentDictionary<string, V1PodStatus> Statuses { get; } = new();

    public Task Terminated(string uid) => Completion(uid).Task;

    public void StatusChanged(string uid, V1PodStatus status) => Statuses[uid] = status;

    public void EventRecorded(Corev1Event evt)
    {
    }

    public void PodTerminated(string uid)
    {
        Statuses.TryRemove(uid, out _);
        Completion(uid).TrySetResult();
    }

    private TaskCompletionSource Completion(string uid) =>
        _terminated.GetOrAdd(uid, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
