using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Podvisor.Agent.Hooks;
using Podvisor.Agent.Images;
using Podvisor.Agent.Probes;
using Podvisor.Core.Model;
using Podvisor.Core.Lifecycle;
using Podvisor.Agent.Volumes;
using Podvisor.Runtime;

namespace Podvisor.Agent;

/// <summary>
/// The node agent: one <see cref="PodWorker"/> per pod UID (an async loop, not a thread), woken by runtime events,
/// probe results, backoff timers and spec changes. Mirrors the kubelet's podWorkers + SyncPod split, event-driven.
/// </summary>
public sealed partial class PodAgent : IPodAgent, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, PodWorker> _workers = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _eventPump;
    private readonly ILogger _logger;
    private int _inFlight;
    private TaskCompletionSource _idle = NewIdle(completed: true);

    /// <param name="configObjects">The ConfigMaps and Secrets pods reference; none by default.</param>
    /// <param name="tokens">The API's TokenRequest for projected service account tokens; none by default.</param>
    public PodAgent(
        IContainerRuntime runtime, IPodStatusSink sink, AgentOptions options, TimeProvider time, ILoggerFactory logs,
        IConfigObjects? configObjects = null, IServiceAccountTokens? tokens = null)
    {
        Runtime = runtime;
        Sink = sink;
        ConfigObjects = configObjects ?? NoConfigObjects.Instance;
        Options = options;
        Time = time;
        _logger = logs.CreateLogger<PodAgent>();
        Events = new EventRecorder(sink, time, options.NodeName);
        Backoff = new CrashLoopBackoff(options.CrashLoopBackOffMax);
        Volumes = VolumeManager.For(options, ConfigObjects, time, tokens);
        Hooks = new LifecycleHookRunner(runtime, time);
        Images = new ImageManager(runtime.Images, Events, time);
        Prober = new ProbeManager(time, new ProbeExecutor(runtime, time), new ProbeEvents(this));
        _eventPump = Task.Run(PumpRuntimeEventsAsync);
    }

    internal IContainerRuntime Runtime { get; }

    /// <summary>
    /// Cancelled when the agent stops: a sync's starts are abandoned (containers keep running); a termination in
    /// progress finishes, within its grace period, so a deleted pod leaves nothing behind.
    /// </summary>
    internal CancellationToken Stopping => _stop.Token;
    internal IPodStatusSink Sink { get; }
    internal IConfigObjects ConfigObjects { get; }
    internal AgentOptions Options { get; }
    internal TimeProvider Time { get; }
    /// <summary>Records events about the agent's pods (e.g. the pod source's Scheduled event).</summary>
    public EventRecorder Events { get; }
    internal CrashLoopBackoff Backoff { get; }
    internal VolumeManager Volumes { get; }
    internal ProbeManager Prober { get; }
    internal LifecycleHookRunner Hooks { get; }
    internal ImageManager Images { get; }

    /// <summary>UIDs of the pods the agent currently runs or terminates.</summary>
    public IReadOnlyCollection<string> PodUids => _workers.Keys.ToArray();

    public void UpsertPod(V1Pod pod)
    {
        var uid = pod.Metadata.Uid;
        var worker = _workers.GetOrAdd(uid, _ => new PodWorker(this, pod));
        if (worker.IsNew && (pod.Status?.Conditions is null || pod.Status.Conditions.Count == 0))
        {
            // The agent binds every pod to its node, so it is the scheduler too: record what kube-scheduler would.
            Events.Pod(pod, EventRecorder.TypeNormal, EventReasons.Scheduled,
                $"Successfully assigned {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} to {Options.NodeName}", "default-scheduler");
        }

        worker.Update(pod);
    }

    public void DeletePod(string uid, long? gracePeriodSeconds)
    {
        if (_workers.TryGetValue(uid, out var worker))
        {
            worker.Delete(gracePeriodSeconds);
        }
        else
        {
            Sink.PodTerminated(uid);
        }
    }

    public void ConfigObjectsChanged(string ns)
    {
        foreach (var worker in _workers.Values.Where(w => w.Namespace == ns))
        {
            worker.Wake();
        }
    }

    /// <summary>Wakes a pod's worker (probe results, external triggers).</summary>
    public void Wake(string uid)
    {
        if (_workers.TryGetValue(uid, out var worker))
        {
            worker.Wake();
        }
    }

    /// <summary>
    /// Completes when no sync is queued or running, no probe attempt is in flight and no runtime event is
    /// unprocessed: the agent has reacted to everything it was told. Tests use it with a fake clock instead of sleeping.
    /// </summary>
    public Task WaitIdleAsync()
    {
        lock (_workers)
        {
            return _idle.Task;
        }
    }

    /// <summary>
    /// Mirrors the kubelet's HandlePodCleanups at start: the pods handed over so far are all there are, so the runtime's
    /// pods of any other UID (deleted while no agent ran, e.g. a force delete cut off by SIGKILL) are killed (2 s, the
    /// kubelet's minimum grace for a container without its spec) and removed with their volumes and logs.
    /// </summary>
    public async Task RemoveOrphanedPodsAsync()
    {
        foreach (var uid in Runtime.PodUids.Where(uid => !_workers.ContainsKey(uid)))
        {
            var running = Runtime.GetPodStatus(uid).Containers.Where(c => c.State == RuntimeContainerState.Running);
            await Task.WhenAll(running.Select(c => Runtime.StopContainerAsync(c.Id, OrphanGracePeriod, CancellationToken.None).AsTask()));
            await RemoveRuntimePodAsync(uid);
            foreach (var logs in Directory.Exists(LogsDirectory) ? Directory.GetDirectories(LogsDirectory, "*_" + uid) : [])
            {
                Directory.Delete(logs, recursive: true);
            }

            OrphanRemoved(uid);
        }
    }

    private static readonly TimeSpan OrphanGracePeriod = TimeSpan.FromSeconds(2);

    private string LogsDirectory => Podvisor.Runtime.LogPaths.Root(Options.DataDir);

    /// <summary>Removes every container and sandbox of the pod from the runtime, then its volumes.</summary>
    internal async Task RemoveRuntimePodAsync(string uid)
    {
        foreach (var c in Runtime.GetPodStatus(uid).Containers)
        {
            await Runtime.RemoveContainerAsync(c.Id, CancellationToken.None);
        }

        foreach (var sandbox in Runtime.GetPodStatus(uid).Sandboxes)
        {
            await Runtime.RemovePodSandboxAsync(sandbox.Id, CancellationToken.None);
        }

        Volumes.TearDown(uid);
    }

    internal void Forget(string uid)
    {
        if (_workers.TryRemove(uid, out _))
        {
            Backoff.ForgetPod(uid);
            Events.ForgetPod(uid);
        }
    }

    internal void WorkQueued()
    {
        lock (_workers)
        {
            if (_inFlight++ == 0)
            {
                _idle = NewIdle(completed: false);
            }
        }
    }

    internal void WorkDone()
    {
        lock (_workers)
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

    private async Task PumpRuntimeEventsAsync()
    {
        try
        {
            var reader = Runtime.Events;
            while (await reader.WaitToReadAsync(_stop.Token))
            {
                // Counted as in flight before the first read, so WaitIdleAsync never misses an unread event.
                WorkQueued();
                while (reader.TryRead(out var evt))
                {
                    Wake(evt.PodUid);
                }

                WorkDone();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _eventPump;
        foreach (var worker in _workers.Values)
        {
            await worker.DisposeAsync();
        }

        Prober.Dispose();
        _stop.Dispose();
    }

    /// <summary>Probe results wake the pod's worker; failures become the kubelet's Unhealthy / ProbeWarning events.</summary>
    private sealed class ProbeEvents(PodAgent agent) : IProbeEventSink
    {
        public void ProbeResultChanged(string podUid) => agent.Wake(podUid);

        public void AttemptStarted() => agent.WorkQueued();

        public void AttemptFinished() => agent.WorkDone();

        public void Unhealthy(V1Pod pod, string containerName, ProbeType type, string message) =>
            agent.Events.Container(pod, containerName, EventRecorder.TypeWarning, EventReasons.Unhealthy, message);

        public void ProbeWarning(V1Pod pod, string containerName, ProbeType type, string message) =>
            agent.Events.Container(pod, containerName, EventRecorder.TypeWarning, EventReasons.ProbeWarning, message);
    }
}
