using k8s.Models;
using Microsoft.Extensions.Logging;
using Podvisor.Agent.Gc;
using Podvisor.Agent.Hooks;
using Podvisor.Agent.Images;
using Podvisor.Agent.Logs;
using Podvisor.Agent.Probes;
using Podvisor.Agent.Status;
using Podvisor.Agent.Volumes;
using Podvisor.Agent.Workers;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Node.Abstractions;
using Podvisor.Runtime;

namespace Podvisor.Agent;

/// <summary>
/// The node agent: the kubelet's managers (status, volumes, images, probes, hooks, events) around one
/// <see cref="PodWorker"/> per pod UID (an async loop, not a thread), woken by runtime events, probe results, backoff
/// timers and spec changes. This class composes them and is the pod source's door (<see cref="IPodAgent"/>).
/// </summary>
public sealed partial class PodAgent : IPodAgent, IAsyncDisposable
{
    private static readonly TimeSpan OrphanGracePeriod = TimeSpan.FromSeconds(2);

    private readonly PodWorkers _workers = new();
    private readonly WorkTracker _work = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _eventPump;
    private readonly ILogger _logger;
    private readonly IContainerRuntime _runtime;
    private readonly IPodStatusSink _sink;
    private readonly AgentOptions _options;
    private readonly TimeProvider _time;
    private readonly CrashLoopBackoff _backoff;
    private readonly ProbeManager _prober;
    private readonly VolumeManager _volumes;
    private readonly PodTerminator _terminator;
    private readonly PlanExecutor _executor;
    private readonly ImageManager _images;
    private readonly ILoggerFactory _logs;

    /// <param name="configObjects">The ConfigMaps and Secrets pods reference; none by default.</param>
    /// <param name="tokens">The API's TokenRequest for projected service account tokens; none by default.</param>
    public PodAgent(
        IContainerRuntime runtime, IPodStatusSink sink, AgentOptions options, TimeProvider time, ILoggerFactory logs,
        IConfigObjects? configObjects = null, IServiceAccountTokens? tokens = null)
    {
        _runtime = runtime;
        _sink = sink;
        _options = options;
        _time = time;
        configObjects ??= NoConfigObjects.Instance;
        _logs = logs;
        _logger = logs.CreateLogger<PodAgent>();
        Events = new EventRecorder(sink, time, options.NodeName);
        _backoff = new CrashLoopBackoff(options.CrashLoopBackOffMax);
        _volumes = VolumeManager.For(options, configObjects, time, tokens);
        var hooks = new LifecycleHookRunner(runtime, time);
        _prober = new ProbeManager(time, new ProbeExecutor(runtime, time), new ProbeEvents(this));
        _terminator = new PodTerminator(runtime, Events, hooks, _volumes, time, options.HostIp);
        Logs = new ContainerLogManager(options.DataDir);
        _executor = new PlanExecutor(runtime, _terminator, new ContainerGc(runtime), Events, _images = new ImageManager(runtime.Images, Events, time), _volumes,
            Logs, hooks, _backoff, configObjects, options, time);
        _eventPump = Task.Run(PumpRuntimeEventsAsync);
    }

    /// <summary>Records events about the agent's pods (e.g. the pod source's Scheduled event).</summary>
    public EventRecorder Events { get; }

    /// <summary>The pods' container logs, which the API reads through <see cref="IPodLogs"/>.</summary>
    public ContainerLogManager Logs { get; }

    public IReadOnlyList<V1Pod> GetPods() => [.. _workers.All.Select(w => w.Pod)];

    public void UpsertPod(V1Pod pod)
    {
        var (worker, created) = _workers.GetOrAdd(pod, NewWorker);
        if (created && (pod.Status?.Conditions is null || pod.Status.Conditions.Count == 0))
        {
            // The agent binds every pod to its node, so it is the scheduler too: record what kube-scheduler would.
            Events.Pod(pod, EventRecorder.TypeNormal, EventReasons.Scheduled,
                $"Successfully assigned {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} to {_options.NodeName}", "default-scheduler");
        }

        worker.Update(pod);
    }

    public void DeletePod(string uid, long? gracePeriodSeconds)
    {
        if (_workers.Find(uid) is { } worker)
        {
            worker.Delete(gracePeriodSeconds);
        }
        else
        {
            _sink.PodTerminated(uid);
        }
    }

    public void ConfigObjectsChanged(string ns)
    {
        foreach (var worker in _workers.All.Where(w => w.Namespace == ns))
        {
            worker.Wake();
        }
    }

    /// <summary>Wakes a pod's worker (probe results, external triggers).</summary>
    public void Wake(string uid) => _workers.Find(uid)?.Wake();

    /// <summary>
    /// Completes when no sync is queued or running, no probe attempt is in flight and no runtime event is
    /// unprocessed: the agent has reacted to everything it was told. Tests use it with a fake clock instead of sleeping.
    /// </summary>
    public Task WaitIdleAsync() => _work.WaitIdleAsync();

    /// <summary>
    /// Mirrors the kubelet's HandlePodCleanups at start: the pods handed over so far are all there are, so the runtime's
    /// pods of any other UID (deleted while no agent ran, e.g. a force delete cut off by SIGKILL) are killed (2 s, the
    /// kubelet's minimum grace for a container without its spec) and removed with their volumes and logs.
    /// </summary>
    public async Task RemoveOrphanedPodsAsync()
    {
        foreach (var uid in _runtime.PodUids.Where(uid => !_workers.Contains(uid)))
        {
            var running = _runtime.GetPodStatus(uid).Containers.Where(c => c.State == RuntimeContainerState.Running);
            await Task.WhenAll(running.Select(c => _runtime.StopContainerAsync(c.Id, OrphanGracePeriod, CancellationToken.None).AsTask()));
            await _terminator.RemoveRuntimePodAsync(uid);
            Logs.RemoveOrphan(uid);
            OrphanRemoved(uid);
        }
    }

    /// <summary>A pod's worker with its own status manager, restart-all bookkeeping and syncer over the shared managers.</summary>
    private PodWorker NewWorker(V1Pod pod)
    {
        var uid = pod.Metadata.Uid;
        var status = new PodStatusManager(_sink, Events, _prober, _time, _options, pod.Status);
        var syncer = new PodSyncer(uid, _runtime, status, _executor, _terminator, _prober, _volumes, Logs, _backoff, Events,
            new RestartAllRequests(_options.DataDir, uid), _options, _time, _logs.CreateLogger<PodSyncer>());
        return new PodWorker(pod, syncer, _work, _time, _options.ResyncInterval, SyncFailed, _workers.Remove, _stop.Token);
    }

    private async Task PumpRuntimeEventsAsync()
    {
        try
        {
            var reader = _runtime.Events;
            while (await reader.WaitToReadAsync(_stop.Token))
            {
                // Counted as in flight before the first read, so WaitIdleAsync never misses an unread event.
                _work.Queued();
                while (reader.TryRead(out var evt))
                {
                    Wake(evt.PodUid);
                }

                _work.Done();
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
        foreach (var worker in _workers.All)
        {
            await worker.DisposeAsync();
        }

        _prober.Dispose();
        _images.Dispose();
        _stop.Dispose();
    }

    /// <summary>Probe results wake the pod's worker; failures become the kubelet's Unhealthy / ProbeWarning events.</summary>
    private sealed class ProbeEvents(PodAgent agent) : IProbeEventSink
    {
        public void ProbeResultChanged(string podUid) => agent.Wake(podUid);

        public void AttemptStarted() => agent._work.Queued();

        public void AttemptFinished() => agent._work.Done();

        public void Unhealthy(V1Pod pod, string containerName, ProbeType type, string message) =>
            agent.Events.Container(pod, containerName, EventRecorder.TypeWarning, EventReasons.Unhealthy, message);

        public void ProbeWarning(V1Pod pod, string containerName, ProbeType type, string message) =>
            agent.Events.Container(pod, containerName, EventRecorder.TypeWarning, EventReasons.ProbeWarning, message);
    }
}
