using System.Collections.Concurrent;
using k8s.Models;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Runtime;

namespace Podvisor.Run;

/// <summary>
/// One RestartAllContainers cycle of a pod as <c>podvisor run</c> shows it. Times come from the runtime (the trigger
/// instance's exit, the new instances' starts; 100 ns precision, unlike the API's seconds) or, for a requested cycle,
/// from the agent's RestartAllContainers event. A time the agent did not record stays unknown (no duration shown).
/// </summary>
public sealed record RestartAllCycle
{
    public required int Number { get; init; }

    /// <summary>The container whose exit matched a RestartAllContainers rule; null for a requested cycle (docs/lifecycle.md §D14).</summary>
    public string? TriggerContainer { get; init; }

    public int TriggerExitCode { get; init; }

    /// <summary>The trigger's exit, or the moment the agent accepted the request (its event's time); null when neither is recorded.</summary>
    public required DateTimeOffset? TriggeredAt { get; init; }

    /// <summary>When the last sidecar and regular container started again; null while the cycle runs.</summary>
    public DateTimeOffset? RunningAt { get; init; }

    /// <summary>The containers the cycle removed and starts again (every one that had an instance at the trigger).</summary>
    public required IReadOnlySet<string> Restarted { get; init; }

    /// <summary>Instances that existed at the trigger; an instance not among them is a restarted one.</summary>
    public required IReadOnlySet<string> InstancesBefore { get; init; }

    public TimeSpan? Duration => RunningAt - TriggeredAt;

    /// <summary><c>watcher-sidecar exit 88</c>, or <c>requested</c>.</summary>
    public string Trigger => TriggerContainer is null ? "requested" : $"{TriggerContainer} exit {TriggerExitCode}";

    /// <summary>The facts in one line, e.g. <c>cycle 1: trigger watcher-sidecar exit 88; every container running 41ms after the trigger exited</c>.</summary>
    public string Describe() =>
        $"cycle {Number}: trigger {Trigger}; "
        + (Duration is { } d
            ? $"every container running {Format(d)} after {(TriggerContainer is null ? "the request" : "the trigger exited")}"
            : RunningAt is null ? "restarting" : "every container running")
        + $" (restarted: {string.Join(", ", Restarted)})";

    public static string Format(TimeSpan d) =>
        d.TotalSeconds < 1 ? $"{Math.Max(0, d.TotalMilliseconds):0}ms" : $"{d.TotalSeconds:0.00}s";
}

/// <summary>
/// Follows every pod's RestartAllContainers cycles: one starts with the agent's RestartAllContainers event, and ends
/// when each sidecar and regular container has a new instance that started (as the benchmark measures a cycle:
/// trigger exit to every container running again).
/// </summary>
internal sealed class RestartAllCycles(IContainerRuntime runtime)
{
    private readonly ConcurrentDictionary<string, List<RestartAllCycle>> _cycles = new();

    public IReadOnlyList<RestartAllCycle> Of(string uid)
    {
        if (!_cycles.TryGetValue(uid, out var cycles))
        {
            return [];
        }

        lock (cycles)
        {
            return [.. cycles];
        }
    }

    /// <summary>Called with the event, before any container of the cycle is removed.</summary>
    public void Start(V1Pod pod, Corev1Event evt)
    {
        var observed = runtime.GetPodStatus(pod.Metadata.Uid);
        var trigger = RestartDecider.FindRestartAllTrigger(pod, observed, null);
        var ruleTriggered = trigger is not null && evt.Message == trigger.EventMessage;
        var cycles = _cycles.GetOrAdd(pod.Metadata.Uid, _ => []);
        lock (cycles)
        {
            cycles.Add(new RestartAllCycle
            {
                Number = cycles.Count + 1,
                TriggerContainer = ruleTriggered ? trigger!.ContainerName : null,
                TriggerExitCode = ruleTriggered ? trigger!.ExitCode : 0,
                TriggeredAt = (ruleTriggered ? observed.FindContainerStatusByName(trigger!.ContainerName)?.FinishedAt : null)
                    ?? (evt.FirstTimestamp is { } accepted ? new DateTimeOffset(DateTime.SpecifyKind(accepted, DateTimeKind.Utc)) : null),
                Restarted = pod.Spec.AllContainers().Select(c => c.Container.Name).Where(n => observed.FindContainerStatusByName(n) is not null).ToHashSet(),
                InstancesBefore = observed.Containers.Select(c => c.Id).ToHashSet(),
            });
        }
    }

    /// <summary>Returns the pod's last cycle once, when it has just finished.</summary>
    public RestartAllCycle? Observe(V1Pod pod)
    {
        if (!_cycles.TryGetValue(pod.Metadata.Uid, out var cycles))
        {
            return null;
        }

        lock (cycles)
        {
            if (cycles is not [.., { RunningAt: null } last] || RunningAgainAt(pod, last) is not { } at)
            {
                return null;
            }

            return cycles[^1] = last with { RunningAt = at };
        }
    }

    private DateTimeOffset? RunningAgainAt(V1Pod pod, RestartAllCycle cycle)
    {
        var observed = runtime.GetPodStatus(pod.Metadata.Uid);
        DateTimeOffset latest = default;
        foreach (var (container, kind, _) in pod.Spec.AllContainers())
        {
            if (kind == ContainerKind.Init)
            {
                continue;
            }

            if (observed.FindContainerStatusByName(container.Name) is not { StartedAt: { } started } instance || cycle.InstancesBefore.Contains(instance.Id))
            {
                return null;
            }

            latest = started > latest ? started : latest;
        }

        return latest;
    }
}
