using Grpc.Core;
using Microsoft.Extensions.Logging;
using Podvisor.Core.Model;
using Podvisor.Runtime.Cri.Containerd;
using V1 = Podvisor.Runtime.Cri.V1;

namespace Podvisor.Runtime.Cri;

/// <summary>
/// How exits reach the cache: CRI <c>GetContainerEvents</c> where the runtime implements it (containerd ≥ 1.7,
/// CRI-O), else containerd's own event service (<c>/tasks/exit</c>, containerd 1.6), else nothing but the relist.
/// The relist always runs (as upstream's Evented PLEG keeps the generic relist): a missed event is found by it.
/// </summary>
public sealed partial class CriRuntime
{
    private const string TaskExitTopic = "/tasks/exit";
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(5);

    private volatile bool _eventsAvailable = true;

    /// <summary>Which event source is in use (for logs and tests): "GetContainerEvents", "containerd", or "relist".</summary>
    public string EventSource { get; private set; } = "relist";

    private async Task WatchAsync(CancellationToken ct) => await Task.WhenAll(RelistLoopAsync(ct), EventLoopAsync(ct));

    private async Task RelistLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(_eventsAvailable ? _options.RelistPeriod : _options.FallbackRelistPeriod, ct);
            try
            {
                await RelistAsync(adopt: false, ct);
            }
            catch (RpcException e)
            {
                Log.RelistFailed(_logger, e.Status.Detail);
            }
        }
    }

    /// <summary>
    /// Mirrors the kubelet's PLEG relist: lists Podvisor's sandboxes and containers and reads the status of each one
    /// that is new or changed. Ids are taken before listing, so an object created meanwhile is never dropped.
    /// </summary>
    internal async Task RelistAsync(bool adopt, CancellationToken ct)
    {
        var (knownSandboxes, knownContainers) = _cache.Ids();
        var sandboxes = await _connection.Runtime.ListPodSandboxAsync(new V1.ListPodSandboxRequest
        {
            Filter = new V1.PodSandboxFilter { LabelSelector = { CriLabels.ManagedSelector() } },
        }, deadline: Deadline(CallTimeout), cancellationToken: ct);
        var containers = await _connection.Runtime.ListContainersAsync(new V1.ListContainersRequest
        {
            Filter = new V1.ContainerFilter { LabelSelector = { CriLabels.ManagedSelector() } },
        }, deadline: Deadline(CallTimeout), cancellationToken: ct);

        foreach (var sandbox in sandboxes.Items)
        {
            if (_cache.Sandbox(sandbox.Id)?.Status.Ready != (sandbox.State == V1.PodSandboxState.SandboxReady))
            {
                await RefreshSandboxAsync(sandbox.Id, ct);
            }
        }

        foreach (var container in containers.Containers)
        {
            if (_cache.Container(container.Id)?.State != CriPodCache.ToState(container.State))
            {
                await RefreshContainerAsync(container.Id, container.PodSandboxId, adopt, ct);
            }
        }

        var listed = sandboxes.Items.Select(s => s.Id).Concat(containers.Containers.Select(c => c.Id)).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in knownSandboxes.Concat(knownContainers).Where(id => !listed.Contains(id)))
        {
            _cache.Remove(gone);
        }
    }

    private async Task EventLoopAsync(CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        foreach (var (name, consume) in new (string, Func<CancellationToken, Task>)[] { ("GetContainerEvents", ConsumeCriEventsAsync), ("containerd", ConsumeContainerdEventsAsync) })
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    EventSource = name;
                    await consume(ct);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
                {
                    Log.EventSourceUnavailable(_logger, name);
                    break;
                }
                catch (RpcException e) when (!ct.IsCancellationRequested)
                {
                    // The runtime went away or restarted: reconnect; the catch-up relist on reconnect finds what was missed.
                    Log.EventStreamBroken(_logger, name, e.Status.Detail);
                    await Task.Delay(delay, ct);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxReconnectDelay.Ticks));
                }
            }
        }

        EventSource = "relist";
        _eventsAvailable = false;
    }

    private async Task ConsumeCriEventsAsync(CancellationToken ct)
    {
        using var call = _connection.Runtime.GetContainerEvents(new V1.GetEventsRequest(), cancellationToken: ct);
        await RelistAsync(adopt: false, ct);
        while (await call.ResponseStream.MoveNext(ct))
        {
            var e = call.ResponseStream.Current;
            if (e.ContainerEventType == V1.ContainerEventType.ContainerDeletedEvent)
            {
                _cache.Remove(e.ContainerId);
            }
            else if (_cache.Container(e.ContainerId) is not null)
            {
                await RefreshContainerAsync(e.ContainerId, null, adopted: false, ct);
            }
        }
    }

    private async Task ConsumeContainerdEventsAsync(CancellationToken ct)
    {
        var request = new SubscribeRequest { Filters = { $"topic==\"{TaskExitTopic}\"" } };
        using var call = _connection.Events.Subscribe(request, cancellationToken: ct);
        await RelistAsync(adopt: false, ct);
        while (await call.ResponseStream.MoveNext(ct))
        {
            var envelope = call.ResponseStream.Current;
            if (envelope.Namespace != CriConnection.ContainerdNamespace || envelope.Topic != TaskExitTopic)
            {
                continue;
            }

            var exit = TaskExit.Parser.ParseFrom(envelope.Event.Value);
            // An exec's exit carries its exec id; the container's own process has id == container_id. A sandbox's
            // (pause) exit is not a container's: ContainerStatus would answer NotFound and drop the sandbox from the cache.
            if (exit.Id == exit.ContainerId && _cache.Container(exit.ContainerId) is not null)
            {
                await RefreshExitedAsync(exit.ContainerId, ct);
            }
        }
    }

    /// <summary>
    /// containerd's CRI plugin records an exit from the same event we got, so its status can lag by a moment: read it
    /// a few times until it shows the exit. Should it still lag, the next relist reports the exit.
    /// </summary>
    private async Task RefreshExitedAsync(string containerId, CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(2);
        for (var attempt = 0; attempt < 12; attempt++)
        {
            if (await RefreshContainerAsync(containerId, null, adopted: false, ct) is not { State: RuntimeContainerState.Running })
            {
                return;
            }

            await Task.Delay(delay, ct);
            delay *= 2;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "CRI relist failed: {Detail}")]
        public static partial void RelistFailed(ILogger logger, string detail);

        [LoggerMessage(Level = LogLevel.Information, Message = "CRI event source {Name} is not implemented by the runtime")]
        public static partial void EventSourceUnavailable(ILogger logger, string name);

        [LoggerMessage(Level = LogLevel.Warning, Message = "CRI event stream {Name} broke ({Detail}); reconnecting")]
        public static partial void EventStreamBroken(ILogger logger, string name, string detail);
    }
}
