using k8s.Models;
using Podvisor.Api.Store;

namespace Podvisor.Api.Events;

/// <summary>
/// Stores the agent's events as core/v1 Events and expires them after an hour (the apiserver's default event TTL,
/// <c>--event-ttl=1h</c>). An event with the name of a stored one replaces it (the recorder's count aggregation).
/// </summary>
internal sealed class EventStore(ApiContext api) : IDisposable
{
    public static readonly TimeSpan Ttl = TimeSpan.FromHours(1);

    private ITimer? _expiry;
    private long _lastNanos;

    public void StartExpiry() =>
        _expiry = api.Time.CreateTimer(_ => _ = ExpireOldAsync(), null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

    /// <summary>Completes when the event is stored; fails (StoreUnavailableException) when it could not be.</summary>
    public Task RecordAsync(Corev1Event evt)
    {
        var meta = evt.Metadata ??= new V1ObjectMeta();
        var now = api.NowTruncated;
        meta.NamespaceProperty ??= evt.InvolvedObject?.NamespaceProperty ?? "default";
        meta.Name ??= $"{evt.InvolvedObject?.Name ?? "podvisor"}.{UniqueNanos():x}";
        meta.CreationTimestamp ??= now;
        evt.FirstTimestamp ??= now;
        evt.LastTimestamp ??= evt.FirstTimestamp;
        evt.Count ??= 1;
        evt.ApiVersion = "v1";
        evt.Kind = "Event";
        if (api.Store.Get(ResourceKind.Events, meta.NamespaceProperty, meta.Name) is { } existing)
        {
            meta.Uid = existing.Uid;
            return api.Store.UpdateAsync(ResourceKind.Events, evt, null);
        }

        meta.Uid ??= Guid.NewGuid().ToString();
        return api.Store.CreateAsync(ResourceKind.Events, evt);
    }

    /// <summary>Removes events whose last occurrence is older than the TTL; a failed removal is retried at the next expiry.</summary>
    public async Task ExpireOldAsync()
    {
        var removals = new List<Task>();
        var cutoff = api.Now - Ttl;
        foreach (var stored in api.Store.List(ResourceKind.Events, null).Items)
        {
            var evt = (Corev1Event)stored.Object;
            var last = evt.LastTimestamp ?? evt.EventTime ?? evt.Metadata.CreationTimestamp;
            if (last is { } t && new DateTimeOffset(Printing.HumanDuration.AsUtc(t)) < cutoff)
            {
                removals.Add(api.Store.DeleteAsync(ResourceKind.Events, stored.Namespace, stored.Name, stored.Uid));
            }
        }

        try
        {
            await Task.WhenAll(removals).ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
        }
    }

    public void Dispose() => _expiry?.Dispose();

    /// <summary>Upstream names events NAME.%x of UnixNano; the clock's nanoseconds are made unique per event.</summary>
    private long UniqueNanos()
    {
        var nanos = api.Now.ToUnixTimeMilliseconds() * 1_000_000L;
        long last, next;
        do
        {
            last = Interlocked.Read(ref _lastNanos);
            next = Math.Max(nanos, last + 1);
        }
        while (Interlocked.CompareExchange(ref _lastNanos, next, last) != last);
        return next;
    }
}
