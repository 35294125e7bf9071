using System.Collections.Concurrent;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Podvisor.Agent.Volumes;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Core.Status;

namespace Podvisor.Agent;

/// <summary>
/// One pod's worker: an async loop that runs one sync at a time, woken by events (Channel of capacity one, so a burst
/// of wakes during a sync collapses into one more sync; in Wait mode TryWrite reports a full channel as false). Mirrors kubelet podWorkers + SyncPod / SyncTerminatingPod.
/// </summary>
internal sealed partial class PodWorker : IAsyncDisposable
{
    private static readonly TimeSpan SyncErrorBackoff = TimeSpan.FromSeconds(10);

    private readonly PodAgent _agent;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
    private readonly ConcurrentDictionary<string, ContainerStartFailure> _reasonCache = new();
    private readonly CancellationTokenSource _deleted = new();

    /// <summary>Cancels a SyncPod's starts on deletion or when the agent stops.</summary>
    private readonly CancellationTokenSource _syncCancelled;
    private readonly ITimer _timer;
    private readonly Task _loop;
    private V1Pod _pod;

    /// <summary>Container hashes of <see cref="_pod"/> (reference lookups, so a sync that sees a newer pod stays correct).</summary>
    private ContainerHashes _hashes;
    private V1PodStatus? _status;
    private string? _publishedJson;
    private long? _deleteGracePeriod;
    private bool _containersStopped;
    private bool _lostContainersForgotten;

    /// <summary>
    /// Set when an action of the current sync failed (sandbox creation, container creation or start): the next sync
    /// waits <see cref="SyncErrorBackoff"/> instead of following at once, as kubelet podWorkers requeue a failed sync
    /// after backOffPeriod. Without it a start that leaves no instance behind (CreateContainerConfigError) spins.
    /// An image pull failure or backoff retries when its image backoff ends instead (<see cref="RetryAt"/>).
    /// </summary>
    private DateTimeOffset? _retryAt;

    private bool ActionFailed => _retryAt is not null;

    private readonly RestartAllRequests _requests;

    /// <summary>Set by every wake except the safety-resync timer; read and cleared when a sync starts.</summary>
    private volatile bool _woken;

    /// <summary>
    /// The pod object and runtime snapshot the last sync ended with, when that sync found nothing to do and nothing was
    /// due (its timer is the safety resync): a resync that finds both unchanged is skipped, see <see cref="IsQuiet"/>.
    /// </summary>
    private (V1Pod Pod, RuntimePodStatus Runtime)? _settled;

    /// <summary>A restart-all request accepted for the next status generation (docs/lifecycle.md §D14).</summary>
    private string? _acceptedRequest;

    public PodWorker(PodAgent agent, V1Pod pod)
    {
        _agent = agent;
        _pod = pod;
        _hashes = ContainerHashes.Of(pod.Spec);
        _status = pod.Status?.Phase is null ? null : pod.Status;
        _requests = new RestartAllRequests(agent.Options.DataDir, pod.Metadata.Uid);
        _syncCancelled = CancellationTokenSource.CreateLinkedTokenSource(_deleted.Token, agent.Stopping);
        _timer = agent.Time.CreateTimer(_ => Signal(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _loop = Task.Run(RunAsync);
    }

    private string Uid => _pod.Metadata.Uid;

    private string PodRef => $"{_pod.Metadata.NamespaceProperty}/{_pod.Metadata.Name}";

    private bool Deleting => _deleted.IsCancellationRequested;

    /// <summary>True until the first <see cref="Update"/>: the pod was just handed to the agent.</summary>
    public bool IsNew { get; private set; } = true;

    public void Update(V1Pod pod)
    {
        IsNew = false;
        _hashes = ContainerHashes.Of(pod.Spec);
        _pod = pod;
        Wake();
    }

    /// <summary>Starts graceful termination; a sync in progress is cancelled (kubelet cancels the pod worker's context).</summary>
    public void Delete(long? gracePeriodSeconds)
    {
        _deleteGracePeriod = gracePeriodSeconds;
        _pod = MarkedForDeletion(_pod, gracePeriodSeconds);
        _deleted.Cancel();
        Wake();
    }

    /// <summary>
    /// The pod as the kubelet sees a deleted one: with deletionTimestamp (and the deletion's grace period when given),
    /// as the apiserver sets them. Restart decisions and status generation read it (ShouldContainerBeRestarted is
    /// false for a deleted pod), so the final status shows each container's termination, not a restart reason such
    /// as CrashLoopBackOff. A copy: the caller's object is left as it was.
    /// </summary>
    private V1Pod MarkedForDeletion(V1Pod pod, long? gracePeriodSeconds)
    {
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            return pod;
        }

        var metadata = KubernetesJson.Deserialize<V1ObjectMeta>(KubernetesJson.Serialize(pod.Metadata));
        var grace = gracePeriodSeconds ?? pod.Spec.TerminationGracePeriodSeconds();
        metadata.DeletionTimestamp = _agent.Time.GetUtcNow().UtcDateTime.AddSeconds(grace);
        metadata.DeletionGracePeriodSeconds = gracePeriodSeconds;
        return new V1Pod { ApiVersion = pod.ApiVersion, Kind = pod.Kind, Metadata = metadata, Spec = pod.Spec, Status = pod.Status };
    }

    /// <summary>The pod's namespace (fixed for its UID).</summary>
    public string Namespace => _pod.Metadata.NamespaceProperty ?? "default";

    public void Wake()
    {
        _woken = true;
        Signal();
    }

    private void Signal()
    {
        // Counted before the write: the loop may run the sync (and count it done) before TryWrite returns.
        _agent.WorkQueued();
        if (!_wake.Writer.TryWrite(true))
        {
            _agent.WorkDone();
        }
    }

    private async Task RunAsync()
    {
        await foreach (var _ in _wake.Reader.ReadAllAsync())
        {
            try
            {
                await SyncAsync();
            }
            catch (OperationCanceledException) when (_agent.Stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !Deleting)
            {
                _agent.SyncFailed(ex, PodRef, SyncErrorBackoff);
                ScheduleSync(_agent.Time.GetUtcNow() + SyncErrorBackoff);
            }
            catch (OperationCanceledException)
            {
                Wake();
            }
            finally
            {
                _agent.WorkDone();
            }
        }
    }

    /// <summary>One pass of the kubelet's SyncPod: observe, publish status, plan, act (docs/lifecycle.md §5.3).</summary>
    private async Task SyncAsync()
    {
        var woken = _woken;
        _woken = false;
        var settled = _settled;
        _settled = null;
        if (!woken && settled is { } last && IsQuiet(last.Pod, last.Runtime))
        {
            _settled = settled;
            ScheduleSync(_agent.Time.GetUtcNow() + _agent.Options.ResyncInterval);
            return;
        }

        ObserveRestartAllRequest();
        if (Deleting || _containersStopped)
        {
            await TerminateAsync();
            return;
        }

        await ForgetLostContainersAsync();
        var pod = _pod;
        var runtime = _agent.Runtime.GetPodStatus(Uid);
        var status = Publish(pod, runtime, podIsTerminal: false);
        if (PodPhases.IsTerminal(status.Phase))
        {
            await TerminateAsync();
            return;
        }

        var now = _agent.Time.GetUtcNow();
        var plan = PodPlanner.Compute(new PlannerInput
        {
            Pod = pod,
            Runtime = runtime,
            ApiStatus = status,
            Backoff = _agent.Backoff,
            Probes = _agent.Prober,
            Gates = _agent.Options.Gates,
            Now = now,
            Hashes = _hashes,
        });
        if (RecordBackOffs(pod, plan))
        {
            // The waiting state (CrashLoopBackOff) is part of this sync's outcome: publish it now, not at the next wake.
            Publish(pod, runtime, podIsTerminal: false);
        }

        if (runtime.Sandboxes.Count > 0 && VolumeManager.HasProjectedVolumes(pod))
        {
            _agent.Volumes.Refresh(pod);
        }

        _retryAt = null;
        await ExecuteAsync(pod, runtime, plan, _syncCancelled.Token);
        var after = _agent.Runtime.GetPodStatus(Uid);
        if (ActionFailed)
        {
            // A failed start (e.g. CreateContainerConfigError) is in the reason cache: show it now, not after the retry backoff.
            Publish(pod, after, podIsTerminal: false);
        }

        _agent.Prober.SyncPod(pod, after, CurrentPodIp(pod));
        var next = plan.NextSyncAt ?? now + _agent.Options.ResyncInterval;
        ScheduleSync(_retryAt is { } retry && retry < next ? retry : next);
        if (!plan.IsEmpty && !ActionFailed)
        {
            // D7: act on the result at once (e.g. start init containers right after a RestartAllContainers cleanup).
            Wake();
        }
        else if (plan.IsEmpty && plan.NextSyncAt is null && !ActionFailed)
        {
            _settled = (pod, after);
        }
    }

    /// <summary>
    /// True when a safety resync would repeat the last sync: no event since, the same pod object, and a runtime
    /// snapshot equal to the one that sync ended with. Status generation and planning are pure functions of these
    /// (plus the prober's results and the reason cache, whose changes wake the worker), so skipping changes nothing,
    /// while a missed runtime event still shows as a changed snapshot and gets a full sync (docs/decisions.md).
    /// </summary>
    private bool IsQuiet(V1Pod pod, RuntimePodStatus runtime) =>
        ReferenceEquals(pod, _pod) && !Deleting && runtime.SameAs(_agent.Runtime.GetPodStatus(Uid));

    /// <summary>A new value of the restart-all annotation starts a cycle at this sync's status, or is refused with an event.</summary>
    private void ObserveRestartAllRequest()
    {
        if (_requests.Observe(_pod, _status, _agent.Options.Gates) is not { } request)
        {
            return;
        }

        if (request.Refusal is { } why)
        {
            _agent.Events.Pod(_pod, EventRecorder.TypeWarning, EventReasons.RestartAllContainers, RestartAllRequest.RefusedMessage(request.Value, why));
            return;
        }

        _acceptedRequest = request.Value;
    }

    /// <summary>
    /// Before the first sync: instances the runtime lost with the previous agent (reported exited, reason
    /// ContainerStatusUnknown) are removed, so the pod looks as it looks to a kubelet whose runtime no longer has a
    /// container: ShouldContainerBeRestarted starts it again whatever the restart policy (no status), and
    /// convertToAPIContainerStatuses turns the old Running status into lastState ContainerStatusUnknown 137 with
    /// restartCount + 1. Kept as exited failures, they failed every Never pod across an agent restart (RS-07).
    /// </summary>
    private async Task ForgetLostContainersAsync()
    {
        if (_lostContainersForgotten)
        {
            return;
        }

        _lostContainersForgotten = true;
        var lost = _agent.Runtime.GetPodStatus(Uid).Containers
            .Where(c => c is { State: RuntimeContainerState.Exited, Reason: ContainerReasons.ContainerStatusUnknown });
        foreach (var c in lost)
        {
            await _agent.Runtime.RemoveContainerAsync(c.Id, CancellationToken.None);
        }
    }

    /// <summary>Marks this sync's action as failed: the next sync follows at <paramref name="at"/> (default <see cref="SyncErrorBackoff"/>) or earlier.</summary>
    private void RetryAt(DateTimeOffset? at = null)
    {
        var due = at ?? _agent.Time.GetUtcNow() + SyncErrorBackoff;
        _retryAt = _retryAt is { } earlier && earlier < due ? earlier : due;
    }

    private void ScheduleSync(DateTimeOffset at)
    {
        var due = at - _agent.Time.GetUtcNow();
        _timer.Change(Durations.TimerDue(due), Timeout.InfiniteTimeSpan);
    }

    /// <summary>Records each refused start in the reason cache and as a BackOff event; true when the cache changed.</summary>
    private bool RecordBackOffs(V1Pod pod, PodPlan plan)
    {
        var changed = false;
        foreach (var backOff in plan.BackOffs)
        {
            var failure = new ContainerStartFailure(ContainerReasons.CrashLoopBackOff, backOff.Message);
            changed |= !_reasonCache.TryGetValue(backOff.Name, out var previous) || previous != failure;
            _reasonCache[backOff.Name] = failure;
            _agent.Events.Container(pod, backOff.Name, EventRecorder.TypeWarning, EventReasons.BackOff,
                $"Back-off restarting failed container {backOff.Name} in pod {GoFormat.Pod(pod)}");
        }

        return changed;
    }

    /// <summary>Generates the API status, writes it when it changed, and records the docs/lifecycle.md §D12 event when a cycle starts.</summary>
    private V1PodStatus Publish(V1Pod pod, RuntimePodStatus runtime, bool podIsTerminal)
    {
        var old = _status;
        var status = PodStatusGenerator.Generate(new StatusInput
        {
            Pod = pod,
            Runtime = runtime,
            OldStatus = old,
            ReasonCache = _reasonCache,
            Probes = _agent.Prober,
            Gates = _agent.Options.Gates,
            PodIsTerminal = podIsTerminal,
            Now = _agent.Time.GetUtcNow(),
            HostIp = _agent.Options.HostIp,
            RestartAllRequested = _acceptedRequest is not null,
        });
        var cycleStarted = IsRestarting(status) && !IsRestarting(old);
        if (cycleStarted && (RestartDecider.FindRestartAllTrigger(pod, runtime, old)?.EventMessage
                ?? (_acceptedRequest is { } request ? RestartAllRequest.EventMessage(request) : null)) is { } message)
        {
            _agent.Events.Pod(pod, EventRecorder.TypeNormal, EventReasons.RestartAllContainers, message);

            // A stale CrashLoopBackOff must not hide the RestartingAllContainers waiting state of the new cycle.
            _reasonCache.Clear();
        }
        else if (_acceptedRequest is { } unused)
        {
            _agent.Events.Pod(pod, EventRecorder.TypeWarning, EventReasons.RestartAllContainers,
                RestartAllRequest.RefusedMessage(unused, "no container has been created yet"));
        }

        if (status.Reason == ActiveDeadline.Reason && old?.Reason != ActiveDeadline.Reason)
        {
            _agent.Events.Pod(pod, EventRecorder.TypeNormal, ActiveDeadline.Reason, ActiveDeadline.Message);
        }

        _acceptedRequest = null;
        _status = status;
        var json = KubernetesJson.Serialize(status);
        if (json != _publishedJson)
        {
            _publishedJson = json;
            _agent.Sink.StatusChanged(Uid, status);
        }

        return status;
    }

    private static bool IsRestarting(V1PodStatus? status) =>
        status?.Conditions?.Any(c => c.Type == PodConditions.AllContainersRestarting && c.Status == "True") == true;

    /// <summary>
    /// Mirrors SyncTerminatingPod + SyncTerminatedPod: stop every container (graceful, sidecars last), stop the sandbox,
    /// write the terminal status, remove volumes; on deletion, hand the pod back to the sink and stop the worker.
    /// </summary>
    private async Task TerminateAsync()
    {
        var pod = _pod;
        if (!_containersStopped)
        {
            var runtime = _agent.Runtime.GetPodStatus(Uid);
            _agent.Prober.RemovePod(Uid);
            await KillPodAsync(pod, runtime, Deleting ? _deleteGracePeriod : null, stopSandbox: true);
            _containersStopped = true;
            if (!PodPhases.IsTerminal(_status?.Phase) || runtime.Containers.Count > 0)
            {
                // A pod handed over already terminal (agent restart) keeps the status it had.
                Publish(pod, _agent.Runtime.GetPodStatus(Uid), podIsTerminal: true);
            }

            await _agent.RemoveRuntimePodAsync(Uid);
        }

        if (Deleting)
        {
            _timer.Dispose();
            _wake.Writer.TryComplete();
            _agent.Forget(Uid);
            _requests.Forget();
            if (!_agent.Options.KeepLogsOfDeletedPods)
            {
                DeleteLogs(pod);
            }

            _agent.Sink.PodTerminated(Uid);
        }
    }


    private void DeleteLogs(V1Pod pod)
    {
        var dir = Runtime.LogPaths.PodDirectory(_agent.Options.DataDir, pod.Metadata.NamespaceProperty ?? "default", pod.Metadata.Name, Uid);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _wake.Writer.TryComplete();
        await _timer.DisposeAsync();
        await _loop;
        _syncCancelled.Dispose();
        _deleted.Dispose();
    }
}
