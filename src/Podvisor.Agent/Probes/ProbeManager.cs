using System.Collections.Concurrent;
using k8s.Models;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;

namespace Podvisor.Agent.Probes;

/// <summary>
/// Mirrors the kubelet's prober manager and its three results managers (pkg/kubelet/prober/prober_manager.go,
/// results/results_manager.go, docs/lifecycle.md §6.12, §8): one worker per (running container instance, probe type), results
/// keyed by runtime container id (<see cref="RuntimeContainerStatus.Id"/>). There is no thread or loop per probe:
/// each worker owns one timer created through the injected <see cref="TimeProvider"/>, re-armed for its next
/// attempt, and probe I/O is asynchronous. A changed result wakes the pod worker through
/// <see cref="IProbeEventSink.ProbeResultChanged"/>.
/// </summary>
public sealed partial class ProbeManager : IProbeResults, IDisposable
{
    private readonly TimeProvider _time;
    private readonly IProbeExecutor _executor;
    private readonly IProbeEventSink _sink;
    private readonly Func<double> _jitter;
    private readonly DateTimeOffset _start;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, PodProbes> _pods = [];
    private readonly ConcurrentDictionary<(ProbeType Type, string ContainerId), ProbeResult> _results = new();

    /// <param name="jitter">Source of the first-probe jitter fraction in [0, 1): upstream staggers a worker's first
    /// probe by a random part of its period when the kubelet started less than one period ago. Tests pass a constant.</param>
    public ProbeManager(TimeProvider time, IProbeExecutor executor, IProbeEventSink sink, Func<double>? jitter = null)
    {
        _time = time;
        _executor = executor;
        _sink = sink;
        _jitter = jitter ?? Random.Shared.NextDouble;
        _start = time.GetUtcNow();
    }

    /// <summary>Live workers (for tests).</summary>
    public int WorkerCount
    {
        get
        {
            lock (_gate)
            {
                return _pods.Values.Sum(p => p.Workers.Count);
            }
        }
    }

    /// <summary>The latest published result; <see cref="ProbeResult.Unknown"/> when there is none.</summary>
    public ProbeResult Get(ProbeType type, string containerId) =>
        _results.TryGetValue((type, containerId), out var result) ? result : ProbeResult.Unknown;

    /// <summary>
    /// Reconciles workers after a sync (mirrors AddPod plus the per-probe status checks of worker.go): a worker for
    /// each probe of each Running newest instance of a sidecar or regular container; workers of instances that are
    /// gone or no longer running stop (a non-running instance's results become Failure); on deletion liveness and
    /// startup report Success and stop ("quiet shutdown"); a started container whose readiness is not Success gets
    /// an immediate readiness probe (UpdatePodStatus's manual trigger). Call it after postStart has completed.
    /// </summary>
    /// <param name="podIp">status.podIP, which network probes target (the host's for hostNetwork pods); null: the
    /// newest sandbox's IP.</param>
    public void SyncPod(V1Pod pod, RuntimePodStatus runtime, string? podIp = null)
    {
        var uid = pod.Metadata?.Uid ?? runtime.Uid;
        if (PodPhases.IsTerminal(pod.Status?.Phase))
        {
            RemovePod(uid);
            return;
        }

        var effects = new Effects(uid);
        lock (_gate)
        {
            if (!_pods.TryGetValue(uid, out var state))
            {
                state = new PodProbes(uid, pod);
                _pods[uid] = state;
            }

            state.Pod = pod;
            state.PodIp = podIp ?? runtime.PodIp;
            Reconcile(state, runtime, _time.GetUtcNow(), effects);
        }

        Apply(effects);
    }

    /// <summary>Stops every worker of the pod and forgets its results (prober_manager RemovePod + results Remove).</summary>
    public void RemovePod(string uid)
    {
        var effects = new Effects(uid);
        lock (_gate)
        {
            if (!_pods.Remove(uid, out var state))
            {
                return;
            }

            foreach (var worker in state.Workers.Values)
            {
                StopLocked(worker, effects);
            }

            foreach (var id in state.ResultIds)
            {
                ForgetResults(id);
            }
        }

        Apply(effects);
    }

    public void Dispose()
    {
        string[] uids;
        lock (_gate)
        {
            uids = [.. _pods.Keys];
        }

        foreach (var uid in uids)
        {
            RemovePod(uid);
        }
    }

    private void Reconcile(PodProbes state, RuntimePodStatus runtime, DateTimeOffset now, Effects effects)
    {
        var deleting = state.Pod.Metadata?.DeletionTimestamp is not null;
        var live = new HashSet<(string, ProbeType)>();
        var newest = new HashSet<string>();
        foreach (var (container, kind, _) in state.Pod.Spec.AllContainers())
        {
            var instance = kind == ContainerKind.Init ? null : runtime.FindContainerStatusByName(container.Name);
            if (instance is null)
            {
                continue;
            }

            newest.Add(instance.Id);
            foreach (var type in ProbeTypes.All)
            {
                if (instance.State != RuntimeContainerState.Running || container.ProbeOf(type) is not { } probe)
                {
                    continue;
                }

                if (deleting && type != ProbeType.Readiness)
                {
                    Publish(instance.Id, type, ProbeResult.Success, effects);
                    continue;
                }

                live.Add((instance.Id, type));
                EnsureWorker(state, container, instance, type, probe, now, effects);
            }
        }

        StopWorkersExcept(state, live, runtime, deleting, effects);
        foreach (var gone in state.ResultIds.Where(id => !newest.Contains(id)).ToList())
        {
            ForgetResults(gone);
            state.ResultIds.Remove(gone);
        }

        TriggerReadiness(state, now, effects);
    }

    private void EnsureWorker(PodProbes state, V1Container container, RuntimeContainerStatus instance, ProbeType type, V1Probe probe, DateTimeOffset now, Effects effects)
    {
        if (state.Workers.ContainsKey((instance.Id, type)))
        {
            return;
        }

        var worker = new ProbeWorker(state.Uid, container, instance.Id, type, probe, instance.StartedAt ?? instance.CreatedAt);
        worker.NextDue = now + FirstProbeJitter(worker.Spec.Period, now);
        state.Workers[(instance.Id, type)] = worker;
        state.ResultIds.Add(instance.Id);

        // The initial value is not an observable change (no result and the initial one read the same), so no wake-up.
        _results[(type, instance.Id)] = type.InitialResult();
        effects.ToArm.Add(worker);
    }

    private void StopWorkersExcept(PodProbes state, HashSet<(string, ProbeType)> live, RuntimePodStatus runtime, bool deleting, Effects effects)
    {
        foreach (var (key, worker) in state.Workers.Where(w => !live.Contains(w.Key)).ToList())
        {
            state.Workers.Remove(key);
            StopLocked(worker, effects);
            var instance = runtime.Containers.FirstOrDefault(c => c.Id == worker.ContainerId);
            var quietShutdown = deleting && worker.Type != ProbeType.Readiness;
            if (instance is { State: not RuntimeContainerState.Running } && !quietShutdown)
            {
                // worker.go: a non-running container's result is Failure.
                Publish(worker.ContainerId, worker.Type, ProbeResult.Failure, effects);
            }
        }
    }

    private void TriggerReadiness(PodProbes state, DateTimeOffset now, Effects effects)
    {
        foreach (var worker in state.Workers.Values)
        {
            if (worker.Type == ProbeType.Readiness && IsStarted(worker) && Get(ProbeType.Readiness, worker.ContainerId) != ProbeResult.Success
                && worker.Trigger(now))
            {
                effects.ToArm.Add(worker);
            }
        }
    }

    /// <summary>Mirrors UpdatePodStatus's <c>started</c>: startup Success, or no startup probe once running.</summary>
    private bool IsStarted(ProbeWorker worker) =>
        worker.Container.StartupProbe is null || Get(ProbeType.Startup, worker.ContainerId) == ProbeResult.Success;

    /// <summary>Mirrors results_manager.Set: only a changed value is an update.</summary>
    private void Publish(string containerId, ProbeType type, ProbeResult result, Effects effects)
    {
        if (!_results.TryGetValue((type, containerId), out var old) || old != result)
        {
            _results[(type, containerId)] = result;
            effects.Changed = true;
        }
    }

    private void ForgetResults(string containerId)
    {
        foreach (var type in ProbeTypes.All)
        {
            _results.TryRemove((type, containerId), out _);
        }
    }

    private TimeSpan FirstProbeJitter(TimeSpan period, DateTimeOffset now) =>
        period > now - _start ? TimeSpan.FromTicks((long)(Math.Clamp(_jitter(), 0, 1) * period.Ticks)) : TimeSpan.Zero;

    private static void StopLocked(ProbeWorker worker, Effects effects)
    {
        worker.Stopped = true;
        effects.ToStop.Add(worker);
    }

    /// <summary>Timer and sink calls collected under the lock and made after it is released.</summary>
    private sealed record Effects(string Uid)
    {
        public List<ProbeWorker> ToArm { get; } = [];
        public List<ProbeWorker> ToStop { get; } = [];
        public bool Changed { get; set; }
    }

    /// <summary>One pod's workers and the container ids it has results for.</summary>
    private sealed class PodProbes(string uid, V1Pod pod)
    {
        public string Uid { get; } = uid;
        public V1Pod Pod { get; set; } = pod;
        public string? PodIp { get; set; }
        public Dictionary<(string ContainerId, ProbeType Type), ProbeWorker> Workers { get; } = [];
        public HashSet<string> ResultIds { get; } = [];
    }
}
