using k8s.Models;
using Podvisor.Agent;
using Podvisor.Node.Abstractions;

namespace Podvisor.E2E.Tests.Support;

/// <summary>
/// An <see cref="IPodStatusSink"/> that keeps every status, event and removal it is given, in order, and completes
/// waiters as soon as their condition holds. Conditions are evaluated under the recorder's lock after each change, so
/// no change is missed and no test needs to poll or sleep.
/// </summary>
public sealed class PodRecorder : IPodStatusSink
{
    private readonly object _gate = new();
    private readonly List<(string Uid, V1PodStatus Status)> _statuses = [];
    private readonly List<Corev1Event> _events = [];
    private readonly HashSet<string> _terminated = [];
    private readonly List<(Func<bool> Condition, TaskCompletionSource Done)> _waiters = [];

    /// <summary>Every status of a pod, oldest first.</summary>
    public IReadOnlyList<V1PodStatus> Statuses(string uid)
    {
        lock (_gate)
        {
            return _statuses.Where(s => s.Uid == uid).Select(s => s.Status).ToList();
        }
    }

    public V1PodStatus? Latest(string uid)
    {
        lock (_gate)
        {
            return _statuses.LastOrDefault(s => s.Uid == uid).Status;
        }
    }

    /// <summary>A pod's events in recording order; an aggregated repeat appears again with a higher count.</summary>
    public IReadOnlyList<Corev1Event> Events(string uid)
    {
        lock (_gate)
        {
            return _events.Where(e => e.InvolvedObject.Uid == uid).ToList();
        }
    }

    public bool IsTerminated(string uid)
    {
        lock (_gate)
        {
            return _terminated.Contains(uid);
        }
    }

    /// <summary>Completes once <paramref name="condition"/> holds (checked now and after every change).</summary>
    public Task WhenAsync(Func<bool> condition)
    {
        lock (_gate)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!Holds(condition, done))
            {
                _waiters.Add((condition, done));
            }

            return done.Task;
        }
    }

    public void StatusChanged(string uid, V1PodStatus status) => Change(() => _statuses.Add((uid, status)));

    public void EventRecorded(Corev1Event evt) => Change(() => _events.Add(evt));

    public void PodTerminated(string uid) => Change(() => _terminated.Add(uid));

    private void Change(Action change)
    {
        lock (_gate)
        {
            change();
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (Holds(_waiters[i].Condition, _waiters[i].Done))
                {
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>Evaluates a waiter; a condition that throws fails its waiter instead of the agent's sync.</summary>
    private static bool Holds(Func<bool> condition, TaskCompletionSource done)
    {
        try
        {
            return condition() && done.TrySetResult();
        }
        catch (Exception ex)
        {
            return done.TrySetException(ex);
        }
    }
}
