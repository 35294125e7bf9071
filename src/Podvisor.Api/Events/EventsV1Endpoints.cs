using System.Text;
using k8s;
using k8s.Models;
using Podvisor.Api.Http;
using Podvisor.Api.Store;
using Podvisor.Api.Watch;

namespace Podvisor.Api.Events;

/// <summary>
/// <c>events.k8s.io/v1</c>: the stored core events, converted per object as the apiserver converts between the two
/// versions of one storage (pkg/apis/events/v1 conversion: involvedObject→regarding, message→note,
/// reportingComponent→reportingController, source/firstTimestamp/lastTimestamp/count→deprecated*). Read-only, like core.
/// </summary>
internal sealed class EventsV1Endpoints(ApiContext api)
{
    public const string Group = "events.k8s.io";
    private const string Root = "/apis/" + Group + "/v1";
    private const string Collection = Root + "/namespaces/{ns}/events";
    private const string Item = Collection + "/{name}";

    public static readonly ResourceView View = new(Group + "/v1", o => Encoding.UTF8.GetBytes(KubernetesJson.Serialize(Convert((Corev1Event)o.Object))));

    private readonly CollectionHandler _collection = new(api);

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet(Root + "/events", ctx => _collection.HandleAsync(ctx, ResourceKind.Events, null, View));
        app.MapGet(Collection, ctx => _collection.HandleAsync(ctx, ResourceKind.Events, ctx.Route("ns"), View));
        app.MapGet(Item, ctx =>
        {
            var name = ctx.Route("name");
            return api.Store.Get(ResourceKind.Events, ctx.Route("ns"), name) is { } evt
                ? ApiResponses.WriteBytes(ctx, 200, View.Json(evt))
                : ApiResponses.WriteError(ctx, ApiError.NotFound("events", name) with { Group = Group });
        });
        MethodNotAllowed.Map(app, Root + "/events", "GET");
        MethodNotAllowed.Map(app, Collection, "GET");
        MethodNotAllowed.Map(app, Item, "GET");
    }

    public static Eventsv1Event Convert(Corev1Event evt) => new()
    {
        ApiVersion = Group + "/v1",
        Kind = "Event",
        Metadata = evt.Metadata,
        EventTime = evt.EventTime,
        Series = evt.Series is { } series ? new Eventsv1EventSeries { Count = series.Count ?? 0, LastObservedTime = series.LastObservedTime ?? default } : null,
        ReportingController = evt.ReportingComponent,
        ReportingInstance = evt.ReportingInstance,
        Action = evt.Action,
        Reason = evt.Reason,
        Regarding = evt.InvolvedObject,
        Related = evt.Related,
        Note = evt.Message,
        Type = evt.Type,
        DeprecatedSource = evt.Source,
        DeprecatedFirstTimestamp = evt.FirstTimestamp,
        DeprecatedLastTimestamp = evt.LastTimestamp,
        DeprecatedCount = evt.Count,
    };
}
