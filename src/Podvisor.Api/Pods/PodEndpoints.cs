using k8s;
using k8s.Models;
using Podvisor.Api.Http;
using Podvisor.Api.Objects;
using Podvisor.Api.Patching;
using Podvisor.Api.Store;
using Podvisor.Api.Watch;

namespace Podvisor.Api.Pods;

/// <summary>The pod routes: collection, item, <c>status</c> subresource. <c>log</c> lives in Logs/.</summary>
internal sealed class PodEndpoints(ApiContext api)
{
    private const string Collection = "/api/v1/namespaces/{ns}/pods";
    private const string Item = Collection + "/{name}";
    private const string Status = Item + "/status";

    private readonly PodWriter _writer = new(api);
    private readonly PodDeleter _deleter = new(api);
    private readonly CollectionHandler _collection = new(api);

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/pods", ctx => _collection.HandleAsync(ctx, ResourceKind.Pods, null));
        app.MapGet(Collection, ctx => _collection.HandleAsync(ctx, ResourceKind.Pods, ctx.Route("ns")));
        app.MapPost(Collection, CreateAsync);
        app.MapDelete(Collection, DeleteCollectionAsync);
        app.MapGet(Item, GetAsync);
        app.MapPut(Item, ctx => UpdateAsync(ctx, statusOnly: false));
        app.MapPatch(Item, ctx => PatchAsync(ctx, statusOnly: false));
        app.MapDelete(Item, DeleteAsync);
        app.MapGet(Status, GetAsync);
        app.MapPut(Status, ctx => UpdateAsync(ctx, statusOnly: true));
        app.MapPatch(Status, ctx => PatchAsync(ctx, statusOnly: true));
        MethodNotAllowed.Map(app, "/api/v1/pods", "GET");
        MethodNotAllowed.Map(app, Collection, "GET", "POST", "DELETE");
        MethodNotAllowed.Map(app, Item, "GET", "PUT", "PATCH", "DELETE");
        MethodNotAllowed.Map(app, Status, "GET", "PUT", "PATCH");
    }

    private Task GetAsync(HttpContext ctx)
    {
        var name = ctx.Route("name");
        return api.Store.Get(ResourceKind.Pods, ctx.Route("ns"), name) is { } pod
            ? ApiResponses.WriteStored(ctx, 200, pod, api.Now)
            : ApiResponses.WriteError(ctx, ApiError.NotFound("pods", name));
    }

    private async Task CreateAsync(HttpContext ctx)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(ctx.Request).ConfigureAwait(false);
        var result = body is null ? WriteResult.Fail(error!) : await _writer.CreateAsync(ctx.Route("ns"), body, WriteOptions.From(ctx.Request)).ConfigureAwait(false);
        await RespondAsync(ctx, result).ConfigureAwait(false);
    }

    private async Task UpdateAsync(HttpContext ctx, bool statusOnly)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(ctx.Request).ConfigureAwait(false);
        var result = body is null
            ? WriteResult.Fail(error!)
            : await _writer.UpdateAsync(ctx.Route("ns"), ctx.Route("name"), body, WriteOptions.From(ctx.Request), statusOnly).ConfigureAwait(false);
        await RespondAsync(ctx, result).ConfigureAwait(false);
    }

    private async Task PatchAsync(HttpContext ctx, bool statusOnly)
    {
        if (PatchTypes.Normalize(ctx.Request.ContentType) is not { } patchType)
        {
            await ApiResponses.WriteError(ctx, ApiError.UnsupportedMediaType(ctx.Request.ContentType ?? "")).ConfigureAwait(false);
            return;
        }

        var (text, error) = await RequestBody.ReadTextAsync(ctx.Request).ConfigureAwait(false);
        var result = text is null
            ? WriteResult.Fail(error!)
            : await _writer.PatchAsync(ctx.Route("ns"), ctx.Route("name"), patchType, text, WriteOptions.From(ctx.Request), statusOnly).ConfigureAwait(false);
        await RespondAsync(ctx, result).ConfigureAwait(false);
    }

    private async Task DeleteAsync(HttpContext ctx)
    {
        var (options, dryRun, error) = await ObjectWrites.ReadDeleteOptionsAsync(ctx.Request).ConfigureAwait(false);
        if (options is null)
        {
            await ApiResponses.WriteError(ctx, error!).ConfigureAwait(false);
            return;
        }

        await RespondAsync(ctx, await _deleter.DeleteAsync(ctx.Route("ns"), ctx.Route("name"), options, dryRun).ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>
    /// deletecollection: every pod of the namespace the label and field selectors match is deleted as one DELETE
    /// would (graceful); the response is the list of the deleted pods as they are after it (registry DeleteCollection).
    /// A pod that is gone meanwhile is skipped.
    /// </summary>
    private async Task DeleteCollectionAsync(HttpContext ctx)
    {
        var ns = ctx.Route("ns");
        var (query, queryError) = ListQuery.Parse(ctx.Request.Query, ResourceKind.Pods);
        var (options, dryRun, error) = query is null ? (null, false, queryError) : await ObjectWrites.ReadDeleteOptionsAsync(ctx.Request).ConfigureAwait(false);
        if (query is null || options is null)
        {
            await ApiResponses.WriteError(ctx, error!).ConfigureAwait(false);
            return;
        }

        var (items, revision) = api.Store.List(ResourceKind.Pods, ns);
        var deleted = new List<V1Pod>();
        foreach (var name in items.Where(o => query.Matches(o, ns)).Select(o => o.Name).Order(StringComparer.Ordinal))
        {
            var result = await _deleter.DeleteAsync(ns, name, options, dryRun).ConfigureAwait(false);
            if (result.Error is { Code: not 404 } failed)
            {
                await ApiResponses.WriteError(ctx, failed).ConfigureAwait(false);
                return;
            }

            if (result.Pod is { } pod)
            {
                deleted.Add(pod);
            }
        }

        var list = new V1PodList { ApiVersion = "v1", Kind = "PodList", Metadata = new V1ListMeta { ResourceVersion = revision.ToString(System.Globalization.CultureInfo.InvariantCulture) }, Items = deleted };
        await ApiResponses.WriteObject(ctx, 200, list).ConfigureAwait(false);
    }

    private static Task RespondAsync(HttpContext ctx, WriteResult result)
    {
        ObjectDecoder.AddWarnings(ctx.Response, result.Warnings);
        return result.Pod is { } pod ? ApiResponses.WriteObject(ctx, result.Code, pod) : ApiResponses.WriteError(ctx, result.Error!);
    }
}
