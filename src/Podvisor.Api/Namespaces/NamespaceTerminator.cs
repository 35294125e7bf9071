using k8s;
using k8s.Models;
using Podvisor.Api.Pods;
using Podvisor.Api.Store;
using Podvisor.Api.Watch;

namespace Podvisor.Api.Namespaces;

/// <summary>
/// The namespace controller's deletion for the kinds Podvisor serves (pkg/controller/namespace/deletion): a namespace
/// with a deletionTimestamp (phase Terminating) gets its pods deleted gracefully; when its last pod is gone its other objects (events,
/// ConfigMaps, Secrets, ServiceAccounts) are deleted and then the namespace itself. Driven by the store's pod watch, no polling; resumes after a restart.
/// </summary>
internal sealed class NamespaceTerminator(ApiContext api) : IAsyncDisposable
{
    private readonly PodDeleter _pods = new(api);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public async Task StartAsync()
    {
        var (subscription, _) = api.Store.Watch(ResourceKind.Pods, api.Store.Revision);
        _loop = RunAsync(subscription!);
        foreach (var ns in api.Store.List(ResourceKind.Namespaces, null).Items.Where(n => n.Metadata.DeletionTimestamp is not null))
        {
            await TerminateAsync(ns.Name).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes what the namespace holds; the namespace goes once its pods have terminated.</summary>
    public async Task TerminateAsync(string ns)
    {
        foreach (var pod in api.Store.List(ResourceKind.Pods, ns).Items.Where(p => p.Metadata.DeletionTimestamp is null))
        {
            await _pods.DeleteAsync(ns, pod.Name, new V1DeleteOptions(), dryRun: false).ConfigureAwait(false);
        }

        await FinishIfEmptyAsync(ns).ConfigureAwait(false);
    }

    /// <summary>Stops the watch loop; safe to call more than once (the server stops on dispose too).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (Interlocked.Exchange(ref _loop, null) is { } loop)
        {
            await loop.ConfigureAwait(false);
        }
    }

    private async Task RunAsync(WatchSubscription subscription)
    {
        using var _ = subscription;
        try
        {
            while (await subscription.Changes.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                while (subscription.Changes.TryRead(out var change))
                {
                    if (change.Type == WatchEventType.Deleted)
                    {
                        await FinishIfEmptyAsync(change.Object.Namespace).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Server stopping.
        }
    }

    private async Task FinishIfEmptyAsync(string ns)
    {
        if (api.Store.Get(ResourceKind.Namespaces, null, ns) is not { } stored || stored.Metadata.DeletionTimestamp is null
            || api.Store.List(ResourceKind.Pods, ns).Items.Length > 0)
        {
            return;
        }

        foreach (var kind in ResourceKind.All.Where(k => k.Namespaced && k != ResourceKind.Pods))
        {
            foreach (var item in api.Store.List(kind, ns).Items)
            {
                await api.Store.DeleteAsync(kind, ns, item.Name, item.Uid).ConfigureAwait(false);
            }
        }

        await api.Store.DeleteAsync(ResourceKind.Namespaces, null, ns, stored.Uid).ConfigureAwait(false);
    }
}
