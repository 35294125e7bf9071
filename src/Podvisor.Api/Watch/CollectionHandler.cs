using Podvisor.Api.Http;
using Podvisor.Api.Printing;
using Podvisor.Api.Store;

namespace Podvisor.Api.Watch;

/// <summary>GET on a collection: a list (JSON or Table, paginated by <c>limit</c>/<c>continue</c>) or, with <c>watch=true</c>, a watch stream.</summary>
internal sealed class CollectionHandler(ApiContext api)
{
    /// <summary>etcd3 store handleCompactedErrorForPaging: the continue's snapshot is gone; the new token lists from now.</summary>
    internal const string InconsistentContinue = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

    private readonly WatchStreamer _streamer = new(api);

    public async Task HandleAsync(HttpContext ctx, ResourceKind kind, string? ns, ResourceView? view = null)
    {
        view ??= ResourceView.Core;
        var (query, error) = ListQuery.Parse(ctx.Request.Query, kind);
        if (query is null)
        {
            await ApiResponses.WriteError(ctx, error!).ConfigureAwait(false);
            return;
        }

        if (query.Watch)
        {
            await _streamer.StreamAsync(ctx, kind, ns, query, view).ConfigureAwait(false);
            return;
        }

        var (items, revision) = Snapshot(kind, ns, query);
        if (items is null)
        {
            var latest = new ContinueToken(ContinueToken.LatestRevision, query.Continue!.StartKey).Encode();
            await ApiResponses.WriteError(ctx, ApiError.Gone(InconsistentContinue) with { Continue = latest }).ConfigureAwait(false);
            return;
        }

        var selected = items.Where(o => query.Matches(o, ns)).ToArray();
        Array.Sort(selected, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var (page, meta) = ListPage.Take(selected, revision, query);
        var format = OutputFormat.From(ctx.Request);
        var bytes = format.IsTable ? TableWriter.Write(kind, page, format, meta, api.Now, view.Json) : ApiResponses.ListJson(kind, page, meta, view);
        await ApiResponses.WriteBytes(ctx, 200, bytes).ConfigureAwait(false);
    }

    /// <summary>The current objects, or for a continue the ones at the token's revision (null when it has expired).</summary>
    private (StoredObject[]? Items, long Revision) Snapshot(ResourceKind kind, string? ns, ListQuery query)
    {
        if (query.Continue is not { ResourceVersion: var at and not ContinueToken.LatestRevision })
        {
            return api.Store.List(kind, ns);
        }

        return (api.Store.ListAt(kind, ns, at), at);
    }
}
