using Podvisor.Api.Http;
using Podvisor.Api.Printing;
using Podvisor.Api.Store;

namespace Podvisor.Api.Watch;

/// <summary>GET on a collection: a list (JSON or Table) or, with <c>watch=true</c>, a watch stream.</summary>
internal sealed class CollectionHandler(ApiContext api)
{
    private readonly WatchStreamer _streamer = new(api);

    public async Task HandleAsync(HttpContext ctx, ResourceKind kind, string? ns)
    {
        var (query, error) = ListQuery.Parse(ctx.Request.Query, kind);
        if (query is null)
        {
            await ApiResponses.WriteError(ctx, error!).ConfigureAwait(false);
            return;
        }

        if (query.Watch)
        {
            await _streamer.StreamAsync(ctx, kind, ns, query).ConfigureAwait(false);
            return;
        }

        var (items, revision) = api.Store.List(kind, ns);
        var selected = items.Where(o => query.Matches(o, ns)).ToArray();
        Array.Sort(selected, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var format = OutputFormat.From(ctx.Request);
        var bytes = format.IsTable ? TableWriter.Write(kind, selected, format, revision, api.Now) : ApiResponses.ListJson(kind, selected, revision);
        await ApiResponses.WriteBytes(ctx, 200, bytes).ConfigureAwait(false);
    }
}
