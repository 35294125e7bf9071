using k8s.Models;
using Podvisor.Api.Http;
using Podvisor.Api.Store;
using Podvisor.Api.Watch;
using Podvisor.Core.Model;

namespace Podvisor.Api.Nodes;

/// <summary>
/// <c>/api/v1/nodes</c>: get, list and watch of the one node, and its <c>status</c> subresource. The node is
/// registered when the server starts and its conditions' heartbeats are refreshed every
/// <see cref="StatusReportFrequency"/> (the kubelet's nodeStatusReportFrequency default). Writes are the kubelet's:
/// clients cannot change it.
/// </summary>
internal sealed class NodeEndpoints(ApiContext api, HostFacts host, string runtimeVersion) : IDisposable
{
    public static readonly TimeSpan StatusReportFrequency = TimeSpan.FromMinutes(5);

    private const string Item = "/api/v1/nodes/{name}";

    private readonly CollectionHandler _collection = new(api);
    private ITimer? _heartbeat;

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/nodes", ctx => _collection.HandleAsync(ctx, ResourceKind.Nodes, null));
        app.MapGet(Item, GetAsync);
        app.MapGet(Item + "/status", GetAsync);
        MethodNotAllowed.Map(app, "/api/v1/nodes", "GET");
        MethodNotAllowed.Map(app, Item, "GET");
        MethodNotAllowed.Map(app, Item + "/status", "GET");
    }

    /// <summary>Writes the node now (create, or update keeping its identity) and then on every heartbeat.</summary>
    public async Task RegisterAsync()
    {
        await ReportAsync().ConfigureAwait(false);
        _heartbeat = api.Time.CreateTimer(_ => _ = HeartbeatAsync(), null, StatusReportFrequency, StatusReportFrequency);
    }

    /// <summary>A heartbeat the store cannot take (disk full) is skipped; the next one retries.</summary>
    private async Task HeartbeatAsync()
    {
        try
        {
            await ReportAsync().ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
        }
    }

    public void Dispose() => _heartbeat?.Dispose();

    private async Task ReportAsync()
    {
        var node = NodeObject.Build(api.NodeName, host, api.Gates, Discovery.ServerVersion.GitVersion, runtimeVersion, api.NowTruncated);
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var current = api.Store.Get(ResourceKind.Nodes, null, api.NodeName);
            if (current is null)
            {
                node.Metadata.Uid = Guid.NewGuid().ToString();
                node.Metadata.CreationTimestamp = api.NowTruncated;
                if ((await api.Store.CreateAsync(ResourceKind.Nodes, node).ConfigureAwait(false)).Outcome == StoreOutcome.Ok)
                {
                    return;
                }

                continue;
            }

            var previous = (V1Node)current.Object;
            node.Metadata.Uid = previous.Metadata.Uid;
            node.Metadata.CreationTimestamp = previous.Metadata.CreationTimestamp;
            NodeObject.KeepTransitions(node, previous);
            if ((await api.Store.UpdateAsync(ResourceKind.Nodes, node, current.ResourceVersion).ConfigureAwait(false)).Outcome == StoreOutcome.Ok)
            {
                return;
            }
        }
    }

    private Task GetAsync(HttpContext ctx)
    {
        var name = ctx.Route("name");
        return api.Store.Get(ResourceKind.Nodes, null, name) is { } node
            ? ApiResponses.WriteStored(ctx, 200, node, api.Now)
            : ApiResponses.WriteError(ctx, ApiError.NotFound("nodes", name));
    }
}
