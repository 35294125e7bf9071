namespace Podvisor.Agent.Workers;

/// <summary>
/// Counts the agent's work in flight (queued or running syncs, probe attempts, unread runtime events), so that
/// <see cref="WaitIdleAsync"/> can tell when the agent has reacted to everything it was told. Thread-safe.
/// </summary>
internal sealed class WorkTracker
{
    private readonly Lock _lock = new();
    private int _inFlight;
    private TaskCompletionSource _idle = NewIdle(completed: true);

    public Task WaitIdleAsync()
    {
        lock (_lock)
        {
            return _idle.Task;
        }
    }

    public void Queued()
    {
        lock (_lock)
        {
            if (_inFlight++ == 0)
            {
                _idle = NewIdle(completed: false);
            }
        }
    }

    public void Done()
    {
        lock (_lock)
        {
            if (--_inFlight == 0)
            {
                _idle.TrySetResult();
            }
        }
    }

    private static TaskCompletionSource NewIdle(bool completed)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed)
        {
            tcs.SetResult();
        }

        return tcs;
    }
}
