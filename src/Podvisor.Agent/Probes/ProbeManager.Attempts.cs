using Podvisor.Core.Lifecycle;

namespace Podvisor.Agent.Probes;

/// <summary>Timers and probe attempts: what happens when a worker's timer fires.</summary>
public sealed partial class ProbeManager
{
    /// <summary>Mirrors prober.go maxProbeRetries: an attempt that errors is retried at once, up to 3 runs.</summary>
    private const int MaxProbeRetries = 3;

    private void Apply(Effects effects)
    {
        foreach (var worker in effects.ToStop)
        {
            worker.Cancellation.Cancel();
            lock (worker.ArmGate)
            {
                worker.Timer?.Dispose();
                worker.Timer = null;
            }
        }

        foreach (var worker in effects.ToArm)
        {
            Arm(worker);
        }

        if (effects.Changed)
        {
            _sink.ProbeResultChanged(effects.Uid);
        }
    }

    /// <summary>
    /// Points the worker's timer at its current <see cref="ProbeWorker.NextDue"/>. Never called under the manager
    /// lock: a due-now timer may run its callback synchronously (FakeTimeProvider does). Reading the due time under
    /// the arm gate makes concurrent arms converge on the latest schedule.
    /// </summary>
    private void Arm(ProbeWorker worker)
    {
        lock (worker.ArmGate)
        {
            DateTimeOffset due;
            lock (_gate)
            {
                if (worker.Stopped || worker.OnHold || worker.InFlight)
                {
                    return;
                }

                due = worker.NextDue;
            }

            var delay = due - _time.GetUtcNow();
            worker.Timer ??= _time.CreateTimer(_ => OnTimer(worker), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            worker.Timer.Change(Durations.TimerDue(delay), Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTimer(ProbeWorker worker)
    {
        ProbeStep step;
        ProbeContext? context = null;
        lock (_gate)
        {
            step = worker.Step(_time.GetUtcNow(), IsStarted(worker));
            if (step == ProbeStep.Run && _pods.TryGetValue(worker.PodUid, out var state))
            {
                context = new ProbeContext(state.Pod, worker.Container, worker.ContainerId, state.PodIp);
            }
        }

        if (context is not null)
        {
            _sink.AttemptStarted();
            _ = RunAttemptAsync(worker, context);
        }
        else if (step == ProbeStep.Wait)
        {
            Arm(worker);
        }
    }

    /// <summary>One attempt: probe (with retries on error), record the event, count it against the thresholds, re-arm.</summary>
    private async Task RunAttemptAsync(ProbeWorker worker, ProbeContext context)
    {
        try
        {
            await RecordAttemptAsync(worker, context);
        }
        finally
        {
            _sink.AttemptFinished();
        }
    }

    private async Task RecordAttemptAsync(ProbeWorker worker, ProbeContext context)
    {
        var outcome = await ProbeWithRetriesAsync(worker, context);
        if (worker.Cancellation.IsCancellationRequested)
        {
            return;
        }

        RecordEvent(worker, context, outcome);
        var changed = false;
        lock (_gate)
        {
            if (worker.Record(outcome.Kind) is { } result && !worker.Stopped)
            {
                var effects = new Effects(worker.PodUid);
                Publish(worker.ContainerId, worker.Type, result, effects);
                changed = effects.Changed;
            }
        }

        if (changed)
        {
            _sink.ProbeResultChanged(worker.PodUid);
        }

        Arm(worker);
    }

    private async Task<ProbeOutcome> ProbeWithRetriesAsync(ProbeWorker worker, ProbeContext context)
    {
        var outcome = ProbeOutcome.Error("probe not run");
        for (var i = 0; i < MaxProbeRetries && outcome.Kind == ProbeOutcomeKind.Error; i++)
        {
            try
            {
                outcome = await _executor.ProbeAsync(worker.Probe, context, worker.Cancellation.Token);
            }
            catch (Exception e)
            {
                // Bugs and unexpected I/O in an executor must not kill the timer: upstream "HandleCrash" keeps going.
                outcome = ProbeOutcome.Error(e.Message);
            }
        }

        return outcome;
    }

    /// <summary>Mirrors prober.probe's events: Unhealthy on failure or error, ProbeWarning on a warning.</summary>
    private void RecordEvent(ProbeWorker worker, ProbeContext context, ProbeOutcome outcome)
    {
        var label = worker.Type.Label();
        var name = worker.Container.Name;
        switch (outcome.Kind)
        {
            case ProbeOutcomeKind.Failure:
                _sink.Unhealthy(context.Pod, name, worker.Type, $"{label} probe failed: {outcome.Output}");
                break;
            case ProbeOutcomeKind.Error:
                _sink.Unhealthy(context.Pod, name, worker.Type, $"{label} probe errored: {outcome.Output}");
                break;
            case ProbeOutcomeKind.Warning:
                _sink.ProbeWarning(context.Pod, name, worker.Type, $"{label} probe warning: {outcome.Output}");
                break;
            case ProbeOutcomeKind.Success:
                break;
            default:
                throw new System.Diagnostics.UnreachableException();
        }
    }
}
