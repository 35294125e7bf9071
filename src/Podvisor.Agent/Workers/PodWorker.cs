using System.Threading.Channels;
using k8s.Models;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;

namespace Podvisor.Agent.Workers;

/// <summary>Where a pod is in its life on this node (kubelet pod_workers.go: SyncPod, TerminatingPod, TerminatedPod).</summary>
internal enum PodWorkerState
{
    /// <summary>Running: each wake is one SyncPod.</summary>
    Syncing,

    /// <summary>Deleted or terminal: the next wake stops every container and writes the final status.</summary>
    Terminating,

    /// <summary>Every container is stopped and removed; a deletion finishes the worker, else it waits for one.</summary>
    Terminated,
}

/// <summary>
/// One pod's worker: an async loop that runs one step at a time, woken by events (a Channel of capacity one, so a burst
/// of wakes during a sync collapses into one more sync), with an explicit <see cref="PodWorkerState"/>. Mirrors
/// kubelet podWorkers.managePodLoop; the work of each step is the <see cref="PodSyncer"/>'s.
/// </summary>
internal sealed class PodWorker : IAsyncDisposable
{
    private readonly PodSyncer _syncer;
    private readonly WorkTracker _work;
    private readonly TimeProvider _time;
    private readonly TimeSpan _resyncInterval;
    private readonly CancellationToken _stopping;
    private readonly Action<Exception, string, TimeSpan> _syncFailed;
    private readonly Action<PodWorker> _finished;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
    private readonly CancellationTokenSource _deleted = new();

    /// <summary>Cancels a SyncPod's starts on deletion or when the agent stops.</summary>
    private readonly CancellationTokenSource _syncCancelled;
    private readonly ITimer _timer;
    private readonly Task _loop;
    private V1Pod _pod;
    private long? _deleteGracePeriod;
    private PodWorkerState _state = PodWorkerState.Syncing;

    /// <summary>Set by every wake except the safety-resync timer; read and cleared when a sync starts.</summary>
    private volatile bool _woken;

    /// <summary>
    /// The pod object and runtime snapshot the last sync ended with, when that sync found nothing to do and nothing was
    /// due (its timer is the safety resync): a resync that finds both unchanged is skipped (<see cref="PodSyncer.IsQuiet"/>).
    /// </summary>
    private (V1Pod Pod, RuntimePodStatus Runtime)? _settled;

    /// <param name="finished">Called once a deleted pod is gone: the worker's registry forgets it.</param>
    public PodWorker(
        V1Pod pod, PodSyncer syncer, WorkTracker work, TimeProvider time, TimeSpan resyncInterval,
        Action<Exception, string, TimeSpan> syncFailed, Action<PodWorker> finished, CancellationToken stopping)
    {
        _pod = pod;
        _syncer = syncer;
        _work = work;
        _time = time;
        _resyncInterval = resyncInterval;
        _stopping = stopping;
        _syncFailed = syncFailed;
        _finished = finished;
        _syncCancelled = CancellationTokenSource.CreateLinkedTokenSource(_deleted.Token, stopping);
        _timer = time.CreateTimer(_ => Signal(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _loop = Task.Run(RunAsync, CancellationToken.None); // the loop itself watches stopping
    }

    public string Uid => _pod.Metadata.Uid;

    /// <summary>The pod's namespace (fixed for its UID).</summary>
    public string Namespace => _pod.Metadata.NamespaceProperty ?? "default";

    private string PodRef => $"{_pod.Metadata.NamespaceProperty}/{_pod.Metadata.Name}";

    private bool Deleting => _deleted.IsCancellationRequested;

    /// <summary>The pod as last handed to the worker (marked for deletion once deleted).</summary>
    public V1Pod Pod => _pod;

    public void Update(V1Pod pod)
    {
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

    public void Wake()
    {
        _woken = true;
        Signal();
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

        var grace = gracePeriodSeconds ?? pod.Spec.TerminationGracePeriodSeconds();
        return KubeObject.WithMetadata(pod, metadata =>
        {
            metadata.DeletionTimestamp = _time.GetUtcNow().UtcDateTime.AddSeconds(grace);
            metadata.DeletionGracePeriodSeconds = gracePeriodSeconds;
        });
    }

    private void Signal()
    {
        // Counted before the write: the loop may run the sync (and count it done) before TryWrite returns.
        _work.Queued();
        if (!_wake.Writer.TryWrite(true))
        {
            _work.Done();
        }
    }

    private async Task RunAsync()
    {
        await foreach (var _ in _wake.Reader.ReadAllAsync())
        {
            try
            {
                await StepAsync();
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !Deleting)
            {
                // The loop boundary: a failed step is logged and retried, the agent and its other pods go on.
                _syncFailed(ex, PodRef, SyncResult.ErrorBackoff);
                ScheduleSync(_time.GetUtcNow() + SyncResult.ErrorBackoff);
            }
            catch (OperationCanceledException)
            {
                Wake();
            }
            finally
            {
                _work.Done();
            }
        }
    }

    /// <summary>One wake: a sync, or the termination steps, as the state says.</summary>
    private async Task StepAsync()
    {
        var woken = _woken;
        _woken = false;
        var settled = _settled;
        _settled = null;
        if (!woken && settled is { } last && !Deleting && _syncer.IsQuiet(last.Pod, last.Runtime, _pod))
        {
            _settled = settled;
            ScheduleSync(_time.GetUtcNow() + _resyncInterval);
            return;
        }

        var pod = _pod;
        _syncer.ObserveRestartAllRequest(pod);
        if (_state == PodWorkerState.Syncing && Deleting)
        {
            _state = PodWorkerState.Terminating;
        }

        if (_state == PodWorkerState.Syncing)
        {
            var outcome = await _syncer.SyncPodAsync(pod, _deleted.Token, _syncCancelled.Token);
            if (!outcome.Terminal)
            {
                ScheduleSync(outcome.NextSyncAt);
                if (outcome.SyncAgain)
                {
                    Wake();
                }
                else if (outcome.Settled is { } runtime)
                {
                    _settled = (pod, runtime);
                }

                return;
            }

            _state = PodWorkerState.Terminating;
        }

        if (_state == PodWorkerState.Terminating)
        {
            await _syncer.TerminatePodAsync(pod, Deleting ? _deleteGracePeriod : null);
            _state = PodWorkerState.Terminated;
        }

        if (Deleting)
        {
            _timer.Dispose();
            _wake.Writer.TryComplete();
            _finished(this);
            _syncer.Forget(pod);
        }
    }

    private void ScheduleSync(DateTimeOffset at) =>
        _timer.Change(Durations.TimerDue(at - _time.GetUtcNow()), Timeout.InfiniteTimeSpan);

    public async ValueTask DisposeAsync()
    {
        _wake.Writer.TryComplete();
        await _timer.DisposeAsync();
        await _loop;
        _syncCancelled.Dispose();
        _deleted.Dispose();
    }
}
