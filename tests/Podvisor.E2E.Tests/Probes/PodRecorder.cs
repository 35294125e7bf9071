using System.Text;
using k8s.Models;
using Podvisor.Agent;

namespace Podvisor.E2E.Tests.Probes;

/// <summary>One thing the agent reported, in the order it reported it: a pod status or an event.</summary>
internal sealed record Report(int Sequence, string Uid, V1PodStatus? Status, Corev1Event? Event);

/// <summary>
/// An <see cref="IPodStatusSink"/> that keeps every status and event in one ordered log and lets tests await
/// conditions on it. A waiter's check runs synchronously inside the agent's call, under the recorder's lock, so it
/// sees the pod exactly as it was when that status was published (e.g. a file a hook wrote, an emptyDir that is
/// removed right after the terminal status).
/// </summary>
internal sealed class PodRecorder : IPodStatusSink
{
    private readonly Lock _gate = new();
    private readonly List<Report> _log = [];
    private readonly HashSet<string> _terminated = [];
    private readonly Dictionary<string, string?> _phaseWhenTerminated = [];
    private readonly List<Waiter> _waiters = [];

    /// <summary>Everything reported so far, oldest first.</summary>
    public IReadOnlyList<Report> Log
    {
        get
        {
            lock (_gate)
            {
                return [.. _log];
            }
        }
    }

    public IReadOnlyList<V1PodStatus> Statuses(string uid) => [.. Log.Where(r => r.Uid == uid && r.Status is not null).Select(r => r.Status!)];

    /// <summary>The pod's events in recording order; an aggregated repeat appears again with a higher count.</summary>
    public IReadOnlyList<Corev1Event> Events(string uid) => [.. Log.Where(r => r.Uid == uid && r.Event is not null).Select(r => r.Event!)];

    public V1PodStatus? Latest(string uid) => Statuses(uid).LastOrDefault();

    /// <summary>The phase of the last status published before the pod was handed back (null if never).</summary>
    public string? PhaseWhenTerminated(string uid)
    {
        lock (_gate)
        {
            return _phaseWhenTerminated.GetValueOrDefault(uid);
        }
    }

    public bool IsTerminated(string uid)
    {
        lock (_gate)
        {
            return _terminated.Contains(uid);
        }
    }

    public void StatusChanged(string uid, V1PodStatus status) => Append(uid, status, null);

    public void EventRecorded(Corev1Event evt) => Append(evt.InvolvedObject.Uid, null, evt);

    public void PodTerminated(string uid)
    {
        lock (_gate)
        {
            _phaseWhenTerminated[uid] = _log.LastOrDefault(r => r.Uid == uid && r.Status is not null)?.Status!.Phase;
            _terminated.Add(uid);
            Notify();
        }
    }

    /// <summary>
    /// Completes with the first non-null value of <paramref name="check"/>, evaluated now and after every report, or
    /// throws <see cref="TimeoutException"/> (with the pod's history) when <paramref name="ct"/> fires first.
    /// </summary>
    public async Task<T> WaitAsync<T>(string uid, string what, Func<IReadOnlyList<Report>, T?> check, CancellationToken ct)
        where T : class
    {
        var waiter = new Waiter(log => check(log));
        lock (_gate)
        {
            if (!waiter.TryComplete(_log))
            {
                _waiters.Add(waiter);
            }
        }

        try
        {
            return (T)await waiter.Done.Task.WaitAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            lock (_gate)
            {
                _waiters.Remove(waiter);
            }

            throw new TimeoutException($"timed out waiting for {what}\n{Describe(uid)}");
        }
    }

    /// <summary>Waits until the pod's latest status satisfies <paramref name="until"/> (checked at each new status).</summary>
    public Task<V1PodStatus> StatusAsync(string uid, string what, Func<V1PodStatus, bool> until, CancellationToken ct) =>
        WaitAsync(uid, what, log => log.LastOrDefault(r => r.Uid == uid && r.Status is not null)?.Status is { } s && until(s) ? s : null, ct);

    /// <summary>Waits for an event of the pod (already recorded or to come) that matches.</summary>
    public Task<Corev1Event> EventAsync(string uid, string what, Func<Corev1Event, bool> match, CancellationToken ct) =>
        WaitAsync(uid, what, log => log.FirstOrDefault(r => r.Uid == uid && r.Event is not null && match(r.Event))?.Event, ct);

    public Task TerminatedAsync(string uid, CancellationToken ct) =>
        WaitAsync(uid, "the pod to be handed back after deletion", _ => IsTerminatedLocked(uid) ? uid : null, ct);

    /// <summary>The pod's history for failure messages: phases, container states and events.</summary>
    public string Describe(string uid)
    {
        var text = new StringBuilder();
        foreach (var r in Log.Where(r => r.Uid == uid))
        {
            text.Append(r.Sequence).Append(' ');
            if (r.Event is { } e)
            {
                text.Append($"event {e.Type} {e.Reason} {e.InvolvedObject.FieldPath}: {e.Message} (x{e.Count})");
            }
            else
            {
                var s = r.Status!;
                var containers = (s.InitContainerStatuses ?? []).Concat(s.ContainerStatuses ?? [])
                    .Select(c => $"{c.Name}={State(c)} ready={c.Ready} started={c.Started} restarts={c.RestartCount}");
                var conditions = (s.Conditions ?? []).Select(c => $"{c.Type}={c.Status}");
                text.Append($"status {s.Phase} [{string.Join(' ', conditions)}] {string.Join("; ", containers)}");
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    private static string State(V1ContainerStatus c) => c.State switch
    {
        { Running: not null } => "Running",
        { Terminated: { } t } => $"Terminated({t.Reason},{t.ExitCode})",
        { Waiting: { } w } => $"Waiting({w.Reason})",
        _ => "?",
    };

    private bool IsTerminatedLocked(string uid) => _terminated.Contains(uid);

    private void Append(string uid, V1PodStatus? status, Corev1Event? evt)
    {
        lock (_gate)
        {
            _log.Add(new Report(_log.Count, uid, status, evt));
            Notify();
        }
    }

    private void Notify()
    {
        _waiters.RemoveAll(w => w.TryComplete(_log));
    }

    private sealed class Waiter(Func<IReadOnlyList<Report>, object?> check)
    {
        public TaskCompletionSource<object> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool TryComplete(IReadOnlyList<Report> log)
        {
            try
            {
                if (check(log) is not { } value)
                {
                    return false;
                }

                Done.TrySetResult(value);
            }
            catch (Exception e)
            {
                Done.TrySetException(e);
            }

            return true;
        }
    }
}
