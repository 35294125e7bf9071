using Podvisor.Api.Http;
using Podvisor.Api.Store;
using Podvisor.Api.Watch;

namespace Podvisor.Api.Events;

/// <summary>core/v1 events: list and watch in a namespace and across namespaces, get by name. Written only by the agent.</summary>
internal sealed class EventEndpoints(ApiContext api)
{
    private const string Collection = "/api/v1/namespaces/{ns}/events";
    private const string Item = Collection + "/{name}";

    private readonly CollectionHandler _collection = new(api);

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/events", ctx => _collection.HandleAsync(ctx, ResourceKind.Events, null));
        app.MapGet(Collection, ctx => _collection.HandleAsync(ctx, ResourceKind.Events, ctx.Route("ns")));
        app.MapGet(Item, ctx =>
        {
            var name = ctx.Route("name");
            return api.Store.Get(ResourceKind.Events, ctx.Route("ns"), name) is { } evt
                ? ApiResponses.WriteStored(ctx, 200, evt, api.Now)
                : ApiResponses.WriteError(ctx, ApiError.NotFound("events", name));
        });
        MethodNotAllowed.Map(app, "/api/v1/events", "GET");
        MethodNotAllowed.Map(app, Collection, "GET");
        MethodNotAllowed.Map(app, Item, "GET");
    }
}
