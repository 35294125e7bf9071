using k8s.Models;
using Podvisor.Agent.Tests.Support;
using Podvisor.Core.Model;

namespace Podvisor.Agent.Tests.Properties;

/// <summary>
/// Checks one running pod against the lifecycle invariants after every step, reading only what a user can see: the
/// published statuses and events and the runtime calls. State is incremental: each check reads what is new.
/// </summary>
internal sealed class LifecycleInvariants(ScenarioHarness h, V1Pod pod)
{
    private readonly Dictionary<string, int> _maxRestartCount = [];
    private readonly CallReplay _calls = new(pod.Spec);

    /// <summary>Expected restartCount of each container counted by the running cycle, until its first new instance.</summary>
    private readonly Dictionary<string, int> _cycleCounts = [];
    private int _statusesSeen;
    private int _cycleEvents;
    private string? _terminalPhase;

    private string Uid => pod.Metadata.Uid;

    /// <summary>What a step needs from before it ran: restart counts and which containers had an instance.</summary>
    public (Dictionary<string, int> Counts, HashSet<string> WithInstance) Snapshot() => (
        AllStatuses(h.Status(pod)).ToDictionary(c => c.Name, c => c.RestartCount),
        [.. h.Runtime.GetPodStatus(Uid).Containers.Select(c => c.Name)]);

    /// <summary>Checks everything that happened since the last check; <paramref name="trigger"/> says a cycle must have started.</summary>
    public void Check(bool trigger, (Dictionary<string, int> Counts, HashSet<string> WithInstance) before)
    {
        var statuses = h.History(pod).Skip(_statusesSeen).ToList();
        _statusesSeen += statuses.Count;
        foreach (var status in statuses)
        {
            CheckStatus(status);
        }

        CheckCycle(trigger, statuses, before);
        CheckCycleCounts();
        _calls.Replay(h.Runtime.Calls);
        Assert.True(h.Runtime.Calls.Count(c => c == "RunPodSandbox") == 1, "the pod got a second sandbox");
        var latest = h.Status(pod);
        Assert.False(IsRestarting(latest), "AllContainersRestarting is still True once the agent is idle");
    }

    /// <summary>No deadlock: the pod is terminal, or something runs (any backoff has expired by now).</summary>
    public void CheckLive()
    {
        var terminal = PodPhases.IsTerminal(h.Status(pod).Phase);
        var running = h.Runtime.GetPodStatus(Uid).Containers.Any(c => c.State == RuntimeContainerState.Running);
        Assert.True(terminal || running, $"deadlock: phase {h.Status(pod).Phase} and nothing runs or is scheduled; {Recent()}");
    }

    private void CheckStatus(V1PodStatus status)
    {
        foreach (var c in AllStatuses(status))
        {
            var max = _maxRestartCount.GetValueOrDefault(c.Name);
            Assert.True(c.RestartCount >= max, $"restartCount of {c.Name} went from {max} to {c.RestartCount}");
            _maxRestartCount[c.Name] = c.RestartCount;
        }

        if (_terminalPhase is not null)
        {
            Assert.True(status.Phase == _terminalPhase, $"terminal phase {_terminalPhase} changed to {status.Phase}");
        }
        else if (PodPhases.IsTerminal(status.Phase))
        {
            _terminalPhase = status.Phase;
        }
    }

    /// <summary>
    /// A trigger starts exactly one cycle (one True period, one docs/lifecycle.md §D12 event); anything else starts none. Exception: the
    /// phase is computed before the condition (generateAPIPodStatus), so a trigger that comes when the pod is finished
    /// anyway (e.g. a sidecar after every regular container stopped for good) ends the pod instead.
    /// </summary>
    private void CheckCycle(bool trigger, List<V1PodStatus> statuses, (Dictionary<string, int> Counts, HashSet<string> WithInstance) before)
    {
        var events = h.EventsWithReason(EventReasons.RestartAllContainers).Count;
        var newEvents = events - _cycleEvents;
        _cycleEvents = events;
        var periods = statuses.Where((s, i) => IsRestarting(s) && (i == 0 || !IsRestarting(statuses[i - 1]))).Count();
        if (trigger && periods == 0 && newEvents == 0 && statuses.Any(s => PodPhases.IsTerminal(s.Phase)) && !statuses.Any(IsRestarting))
        {
            return;
        }

        Assert.True((trigger ? 1 : 0) == periods, $"expected {(trigger ? 1 : 0)} restart-all cycle(s), saw {periods} True period(s); {Recent()}");
        Assert.True((trigger ? 1 : 0) == newEvents, $"expected {(trigger ? 1 : 0)} RestartAllContainers event(s), saw {newEvents}");
        if (!trigger)
        {
            return;
        }

        // Every container that had an instance is restarted once by the cycle: +1 on its restartCount.
        _cycleCounts.Clear();
        foreach (var name in before.WithInstance)
        {
            _cycleCounts[name] = before.Counts[name] + 1;
        }
    }

    /// <summary>Once a counted container has a new instance its count is exactly +1; until then at most +1.</summary>
    private void CheckCycleCounts()
    {
        var runtime = h.Runtime.GetPodStatus(Uid);
        var current = AllStatuses(h.Status(pod)).ToDictionary(c => c.Name, c => c.RestartCount);
        foreach (var (name, expected) in _cycleCounts.ToList())
        {
            if (runtime.FindContainerStatusByName(name) is null)
            {
                Assert.True(current[name] <= expected, $"{name} counted more than once by a cycle: {current[name]} > {expected}");
                continue;
            }

            Assert.True(current[name] == expected, $"{name} restarted by the cycle has restartCount {current[name]}, expected {expected}; {Recent()}");
            _cycleCounts.Remove(name);
        }
    }

    /// <summary>The last runtime calls, for failure messages.</summary>
    private string Recent() => "last calls: " + string.Join(", ", h.Runtime.Calls.TakeLast(20));

    private static bool IsRestarting(V1PodStatus s) =>
        s.Conditions?.Any(c => c.Type == PodConditions.AllContainersRestarting && c.Status == "True") == true;

    private static IEnumerable<V1ContainerStatus> AllStatuses(V1PodStatus s) =>
        (s.InitContainerStatuses ?? []).Concat(s.ContainerStatuses ?? []);
}
