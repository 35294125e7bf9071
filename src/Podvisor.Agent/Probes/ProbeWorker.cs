using k8s.Models;
using Podvisor.Core.Lifecycle;

namespace Podvisor.Agent.Probes;

/// <summary>What a worker does when its timer fires (mirrors the early returns of worker.go doProbe).</summary>
internal enum ProbeStep
{
    /// <summary>Nothing to do and nothing to schedule: stopped, on hold, or an attempt is already running.</summary>
    Idle,

    /// <summary>Not due (yet): re-arm the timer for <see cref="ProbeWorker.NextDue"/>.</summary>
    Wait,

    /// <summary>Run one probe attempt now.</summary>
    Run,
}

/// <summary>
/// The state of one prober worker: one container instance (runtime id) and one probe type. Mirrors
/// pkg/kubelet/prober/worker.go, except that a worker lives for one container instance: a restarted container gets a
/// new worker, which is upstream's "new container ID: reset and resume probing". All members except
/// <see cref="ArmGate"/> and <see cref="Timer"/> are guarded by the owning <see cref="ProbeManager"/>'s lock.
/// </summary>
internal sealed class ProbeWorker(string podUid, V1Container container, string containerId, ProbeType type, V1Probe probe, DateTimeOffset startedAt)
{
    public string PodUid { get; } = podUid;
    public V1Container Container { get; } = container;
    public string ContainerId { get; } = containerId;
    public ProbeType Type { get; } = type;
    public V1Probe Probe { get; } = probe;
    public ProbeSpec Spec { get; } = ProbeSpec.From(probe);
    public DateTimeOffset StartedAt { get; } = startedAt;

    /// <summary>Cancelled when the worker stops: an attempt in flight is abandoned and its result dropped.</summary>
    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>Serializes timer arming (never taken while the manager lock is held by the same caller first).</summary>
    public Lock ArmGate { get; } = new();

    /// <summary>This worker's one timer, created through the manager's TimeProvider; guarded by <see cref="ArmGate"/>.</summary>
    public ITimer? Timer { get; set; }

    public DateTimeOffset NextDue { get; set; }
    public bool Stopped { get; set; }
    public bool OnHold { get; private set; }
    public bool InFlight { get; private set; }
    public bool FirstProbeStarted { get; private set; }
    public ProbeResult LastResult { get; private set; } = ProbeResult.Unknown;
    public int ResultRun { get; private set; }

    private DateTimeOffset InitialDelayEnd => StartedAt + Spec.InitialDelay;

    /// <summary>
    /// Mirrors doProbe's gates in order: on hold until a new container; initialDelaySeconds from startedAt (the first
    /// attempt runs exactly when it ends); startup stops once the container started; liveness and readiness do
    /// nothing until it has. Between attempts the worker ticks every periodSeconds like the upstream ticker.
    /// </summary>
    public ProbeStep Step(DateTimeOffset now, bool started)
    {
        if (Stopped || OnHold || InFlight)
        {
            return ProbeStep.Idle;
        }

        // A due time further away than one period plus the initial delay only follows a wall clock that jumped back:
        // probe now rather than stall (Go's ticker is monotonic).
        if (now < NextDue && NextDue - now <= Spec.Period + Spec.InitialDelay)
        {
            return ProbeStep.Wait;
        }

        if (!FirstProbeStarted && now < InitialDelayEnd)
        {
            NextDue = InitialDelayEnd;
            return ProbeStep.Wait;
        }

        if (Type == ProbeType.Startup && started)
        {
            OnHold = true;
            return ProbeStep.Idle;
        }

        NextDue = NextTick(now);
        if (Type != ProbeType.Startup && !started)
        {
            return ProbeStep.Wait;
        }

        InFlight = true;
        FirstProbeStarted = true;
        return ProbeStep.Run;
    }

    /// <summary>
    /// Mirrors prober_manager UpdatePodStatus's manual trigger of a readiness worker (worker.run then resets its
    /// ticker): run now unless stopped, on hold, busy, or still inside the initial delay.
    /// </summary>
    public bool Trigger(DateTimeOffset now)
    {
        if (Stopped || OnHold || InFlight || (!FirstProbeStarted && now < InitialDelayEnd) || NextDue <= now)
        {
            return false;
        }

        NextDue = now;
        return true;
    }

    /// <summary>
    /// Mirrors the end of doProbe: errors are thrown away; a result is published only once it repeated
    /// successThreshold/failureThreshold times in a row; a published liveness failure or any published startup
    /// result puts the worker on hold until the container changes. Returns the result to publish, if any.
    /// </summary>
    public ProbeResult? Record(ProbeOutcomeKind outcome)
    {
        InFlight = false;
        if (Stopped || outcome == ProbeOutcomeKind.Error)
        {
            return null;
        }

        var result = outcome is ProbeOutcomeKind.Success or ProbeOutcomeKind.Warning ? ProbeResult.Success : ProbeResult.Failure;
        if (result == LastResult)
        {
            ResultRun++;
        }
        else
        {
            (LastResult, ResultRun) = (result, 1);
        }

        if (ResultRun < (result == ProbeResult.Failure ? Spec.FailureThreshold : Spec.SuccessThreshold))
        {
            return null;
        }

        if ((Type == ProbeType.Liveness && result == ProbeResult.Failure) || Type == ProbeType.Startup)
        {
            (OnHold, ResultRun) = (true, 0);
        }

        return result;
    }

    /// <summary>The ticker's next tick strictly after <paramref name="now"/> (a late tick is delivered once, the rest dropped).</summary>
    private DateTimeOffset NextTick(DateTimeOffset now)
    {
        var next = NextDue + Spec.Period;
        if (next <= now)
        {
            next += Spec.Period * (Math.Floor((now - next) / Spec.Period) + 1);
        }

        return next;
    }
}
