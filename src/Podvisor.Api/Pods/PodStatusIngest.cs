using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Podvisor.Agent;
using Podvisor.Api.Events;
using Podvisor.Api.Store;

namespace Podvisor.Api.Pods;

/// <summary>
/// The server's <see cref="IPodStatusSink"/>: calls only enqueue (never block the agent); one loop applies them in
/// order, dropping a status that a later status of the same pod in the same batch supersedes.
/// </summary>
internal sealed partial class PodStatusIngest(ApiContext api, EventStore events) : IPodStatusSink
{
    private readonly Channel<SinkOp> _ops = Channel.CreateUnbounded<SinkOp>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ILogger _logger = api.LoggerFactory.CreateLogger("Podvisor.Api.StatusIngest");
    private Task? _loop;

    private abstract record SinkOp;

    private sealed record StatusOp(string Uid, V1PodStatus Status) : SinkOp;

    private sealed record EventOp(Corev1Event Event) : SinkOp;

    private sealed record TerminatedOp(string Uid) : SinkOp;

    /// <summary>The status is copied at once, so the agent may keep mutating its own instance.</summary>
    public void StatusChanged(string uid, V1PodStatus status) => _ops.Writer.TryWrite(new StatusOp(uid, Copy(status)));

    public void EventRecorded(Corev1Event evt) => _ops.Writer.TryWrite(new EventOp(Copy(evt)));

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
        while (await _ops.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (_ops.Reader.TryRead(out var op))
            {
                batch.Add(op);
            }

            foreach (var op in Coalesce(batch))
            {
                // The loop boundary: a bug applying one operation must not stop the agent's later updates.
                try
                {
                    Apply(op);
                }
                catch (Exception ex)
                {
                    LogApplyFailed(_logger, op.GetType().Name, ex);
                }
            }

            batch.Clear();
        }
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

    private void Apply(SinkOp op)
    {
        switch (op)
        {
            case StatusOp status:
                ApplyStatus(status.Uid, status.Status);
                break;
            case EventOp evt:
                events.Record(evt.Event);
                break;
            case TerminatedOp terminated:
                if (api.Store.GetPodByUid(terminated.Uid) is { } pod)
                {
                    api.Store.Delete(ResourceKind.Pods, pod.Namespace, pod.Name, pod.Uid);
                }

                break;
            default:
                throw new System.Diagnostics.UnreachableException();
        }
    }

    private void ApplyStatus(string uid, V1PodStatus status)
    {
        while (api.Store.GetPodByUid(uid) is { } current)
        {
            var pod = current.CloneAs<V1Pod>();
            pod.Status = status;
            if (api.Store.Update(ResourceKind.Pods, pod, current.ResourceVersion).Outcome != StoreOutcome.Conflict)
            {
                return;
            }
        }
    }

    private static T Copy<T>(T value) => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(value));

    [LoggerMessage(Level = LogLevel.Error, Message = "Applying {Operation} from the agent failed")]
    private static partial void LogApplyFailed(ILogger logger, string operation, Exception exception);
}
