using System.Globalization;
using System.Text;
using k8s;
using Podvisor.Api.Http;
using Podvisor.Api.Printing;
using Podvisor.Api.Store;

namespace Podvisor.Api.Watch;

/// <summary>
/// Streams a watch as newline-delimited metav1.WatchEvent JSON. Selection is re-evaluated per change, so an object
/// that moves into or out of the selection is ADDED or DELETED (as the apiserver's watch cache filter does).
/// </summary>
internal sealed class WatchStreamer(ApiContext api)
{
    /// <summary>The apiserver's default --min-request-timeout for watches.</summary>
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(1800);

    private static readonly byte[] Newline = "\n"u8.ToArray();

    public async Task StreamAsync(HttpContext ctx, ResourceKind kind, string? ns, ListQuery query, ResourceView view)
    {
        var from = query.SendInitialEvents || query.ResourceVersion is null or "0" ? (long?)null : long.Parse(query.ResourceVersion, CultureInfo.InvariantCulture);
        var (subscription, oldest) = api.Store.Watch(kind, from);
        var format = OutputFormat.From(ctx.Request);
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = ApiResponses.JsonContentType;
        await ctx.Response.StartAsync(ctx.RequestAborted).ConfigureAwait(false);
        if (subscription is null)
        {
            var gone = ApiError.Gone($"too old resource version: {from} ({oldest})");
            await WriteEventAsync(ctx, "ERROR", gone.ToStatusJson()).ConfigureAwait(false);
            return;
        }

        using var _ = subscription;
        using var timeout = new CancellationTokenSource(query.TimeoutSeconds is { } s ? Core.Lifecycle.Durations.TimerSeconds(s) : DefaultTimeout, api.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, timeout.Token, api.Stopping.Token);
        try
        {
            foreach (var record in subscription.Initial)
            {
                await WriteRecordAsync(ctx, record, ns, query, format, view).ConfigureAwait(false);
            }

            if (query.SendInitialEvents)
            {
                await WriteEventAsync(ctx, "BOOKMARK", InitialEventsEnd(kind, view, api.Store.Revision)).ConfigureAwait(false);
            }

            await ctx.Response.Body.FlushAsync(linked.Token).ConfigureAwait(false);
            await PumpAsync(ctx, subscription, ns, query, format, view, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Timeout, client gone or server stopping: the stream simply ends.
        }
    }

    private async Task PumpAsync(HttpContext ctx, WatchSubscription subscription, string? ns, ListQuery query, OutputFormat format, ResourceView view, CancellationToken ct)
    {
        while (await subscription.Changes.WaitToReadAsync(ct).ConfigureAwait(false))
        {
            while (subscription.Changes.TryRead(out var record))
            {
                await WriteRecordAsync(ctx, record, ns, query, format, view).ConfigureAwait(false);
            }

            await ctx.Response.Body.FlushAsync(ct).ConfigureAwait(false);
        }
    }

    private Task WriteRecordAsync(HttpContext ctx, WatchRecord record, string? ns, ListQuery query, OutputFormat format, ResourceView view)
    {
        var type = EventType(record, ns, query);
        if (type is null)
        {
            return Task.CompletedTask;
        }

        var obj = format.IsTable
            ? TableWriter.Write(record.Object.Kind, [record.Object], format, new ListMeta(record.ResourceVersion), api.Now, view.Json)
            : view.Json(record.Object);
        return WriteEventAsync(ctx, type, obj);
    }

    /// <summary>The event type this watcher sees for a change, or null when the change is outside its selection.</summary>
    internal static string? EventType(WatchRecord record, string? ns, ListQuery query)
    {
        var now = query.Matches(record.Object, ns);
        var before = record.Previous is { } previous && query.Matches(previous, ns);
        return record.Type switch
        {
            WatchEventType.Added => now ? "ADDED" : null,
            WatchEventType.Modified when now && before => "MODIFIED",
            WatchEventType.Modified when now => "ADDED",
            WatchEventType.Modified when before => "DELETED",
            WatchEventType.Modified => null,
            WatchEventType.Deleted => now || before ? "DELETED" : null,
            _ => throw new System.Diagnostics.UnreachableException(),
        };
    }

    private static async Task WriteEventAsync(HttpContext ctx, string type, byte[] obj)
    {
        var body = ctx.Response.Body;
        await body.WriteAsync(Encoding.UTF8.GetBytes("{\"type\":\"" + type + "\",\"object\":")).ConfigureAwait(false);
        await body.WriteAsync(obj).ConfigureAwait(false);
        await body.WriteAsync(Encoding.UTF8.GetBytes("}")).ConfigureAwait(false);
        await body.WriteAsync(Newline).ConfigureAwait(false);
    }

    /// <summary>The bookmark that ends a watch-list's initial events (annotation k8s.io/initial-events-end).</summary>
    private static byte[] InitialEventsEnd(ResourceKind kind, ResourceView view, long revision) => Encoding.UTF8.GetBytes(string.Create(
        CultureInfo.InvariantCulture,
        $"{{\"kind\":\"{kind.Kind}\",\"apiVersion\":\"{view.ApiVersion}\",\"metadata\":{{\"resourceVersion\":\"{revision}\",\"annotations\":{{\"k8s.io/initial-events-end\":\"true\"}}}}}}"));
}
