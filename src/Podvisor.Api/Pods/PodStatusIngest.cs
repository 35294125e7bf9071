using System.Collections.Concurrent;
using System.Threading.Channels;
using k8s.Models;
using Podvisor.Core.Model;
using Podvisor.Core.Status;
using Microsoft.Extensions.Logging;
using Podvisor.Api.Events;
using Podvisor.Api.Store;
using Podvisor.Node.Abstractions;

namespace Podvisor.Api.Pods;

/// <summary>
/// The server's <see cref="IPodStatusSink"/>: calls only enqueue (never block the agent); one loop applies them in
/// order, dropping a status that a later status of the same pod in the same batch supersedes. A batch's writes are
/// staged in order and committed together; a status or termination the store could not write (disk full) is retried
/// until it succeeds or a newer status of the pod supersedes it. Events are best effort, as the kubelet's recorder.
/// </summary>
internal sealed partial class PodStatusIngest(ApiContext api, EventStore events) : IPodStatusSink
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    private readonly Channel<SinkOp> _ops = Channel.CreateUnbounded<SinkOp>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ILogger _logger = api.LoggerFactory.CreateLogger("Podvisor.Api.StatusIngest");

    /// <summary>The newest status sequence number per pod: a failed status is retried only while it is the newest.</summary>
    private readonly ConcurrentDictionary<string, long> _newestStatus = new(StringComparer.Ordinal);
    private long _sequence;
    private Task? _loop;

    private abstract record SinkOp;

    private sealed record StatusOp(string Uid, V1PodStatus Status, long Sequence) : SinkOp;

    private sealed record EventOp(Corev1Event Event) : SinkOp;

    private sealed record TerminatedOp(string Uid) : SinkOp;

    /// <summary>The status is copied at once, so the agent may keep mutating its own instance.</summary>
    public void StatusChanged(string uid, V1PodStatus status)
    {
        var sequence = Interlocked.Increment(ref _sequence);
        _newestStatus[uid] = sequence;
        _ops.Writer.TryWrite(new StatusOp(uid, KubeObject.DeepCopy(status), sequence));
    }

    public void EventRecorded(Corev1Event evt) => _ops.Writer.TryWrite(new EventOp(KubeObject.DeepCopy(evt)));

    public void PodTerminated(string uid) => _ops.Writer.TryWrite(new TerminatedOp(uid));

    public void Start() => _loop = Task.Run(ApplyLoop);

    public async Task StopAsync()
    {
        _ops.Writer.TryComplete();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
    }

    private async Task ApplyLoop()
    {
        var batch = new List<SinkOp>();
        var writes = new List<(SinkOp Op, Task Write)>();
        while (await _ops.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (_ops.Reader.TryRead(out var op))
            {
                batch.Add(op);
            }

            // Staged in order without waiting, so the whole batch shares one commit.
            writes.AddRange(Coalesce(batch).Select(op => (op, ApplyAsync(op))));
            var unwritten = new List<SinkOp>();
            foreach (var (op, write) in writes)
            {
                // The loop boundary: a bug applying one operation must not stop the agent's later updates.
                try
                {
                    await write.ConfigureAwait(false);
                }
                catch (StoreUnavailableException ex)
                {
                    LogApplyFailed(_logger, op.GetType().Name, ex);
                    unwritten.Add(op);
                }
                catch (Exception ex)
                {
                    LogApplyFailed(_logger, op.GetType().Name, ex);
                }
            }

            RetryLater(unwritten);
            batch.Clear();
            writes.Clear();
        }
    }

    /// <summary>Requeues what the store could not write; an event is dropped, a superseded status too.</summary>
    private void RetryLater(List<SinkOp> unwritten)
    {
        var retry = unwritten.Where(op => op is TerminatedOp || (op is StatusOp s && _newestStatus.GetValueOrDefault(s.Uid) == s.Sequence)).ToList();
        if (retry.Count == 0)
        {
            return;
        }

        _ = Task.Delay(RetryAfter, api.Time).ContinueWith(
            _ => retry.Where(op => op is not StatusOp s || _newestStatus.GetValueOrDefault(s.Uid) == s.Sequence).ToList().ForEach(op => _ops.Writer.TryWrite(op)),
            CancellationToken.None,
            TaskContinuationOptions.None,
            TaskScheduler.Default);
    }
    /// <summary>Keeps order; a status is dropped when a later status of the same pod follows with no termination between.</summary>
    private static IEnumerable<SinkOp> Coalesce(List<SinkOp> batch)
    {
        var superseded = new HashSet<string>();
        var keep = new bool[batch.Count];
        for (var i = batch.Count - 1; i >= 0; i--)
        {
            switch (batch[i])
            {
                case StatusOp status:
                    keep[i] = superseded.Add(status.Uid);
                    break;
                case TerminatedOp terminated:
                    superseded.Remove(terminated.Uid);
                    keep[i] = true;
                    break;
                default:
                    keep[i] = true;
                    break;
            }
        }

        return batch.Where((_, i) => keep[i]);
    }

    private Task ApplyAsync(SinkOp op)
    {
        switch (op)
        {
            case StatusOp status:
                return ApplyStatusAsync(status.Uid, status.Status);
            case EventOp evt:
                return events.RecordAsync(evt.Event);
            case TerminatedOp terminated:
                _newestStatus.TryRemove(terminated.Uid, out _);
                return api.Store.GetPodByUid(terminated.Uid) is { } pod
                    ? api.Store.DeleteAsync(ResourceKind.Pods, pod.Namespace, pod.Name, pod.Uid)
                    : Task.CompletedTask;
            default:
                throw new System.Diagnostics.UnreachableException();
        }
    }

    /// <summary>Stages the status write before its first await (a conflict is retried at once, without waiting).</summary>
    private async Task ApplyStatusAsync(string uid, V1PodStatus status)
    {
        while (api.Store.GetPodByUid(uid) is { } current)
        {
            var pod = current.CloneAs<V1Pod>();
            status.Conditions = StatusManagerRules.MergeConditions(pod.Status, status);
            pod.Status = status;
            var write = api.Store.UpdateAsync(ResourceKind.Pods, pod, current.ResourceVersion);
            if ((await write.ConfigureAwait(false)).Outcome != StoreOutcome.Conflict)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Applying {Operation} from the agent failed")]
    private static partial void LogApplyFailed(ILogger logger, string operation, Exception exception);
}
