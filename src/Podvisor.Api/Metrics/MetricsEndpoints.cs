using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Podvisor.Api.Http;
using Podvisor.Api.Selectors;
using Podvisor.Api.Store;
using Podvisor.Core.Model;
using Podvisor.Node.Abstractions;

namespace Podvisor.Api.Metrics;

/// <summary>
/// <c>metrics.k8s.io/v1beta1</c> as metrics-server serves it (sigs.k8s.io/metrics-server pkg/api): PodMetrics of the
/// running pods (list per namespace or across, with labelSelector, and get) and the node's NodeMetrics, so that
/// <c>kubectl top pod</c> and <c>kubectl top node</c> work. Usage comes from <see cref="IPodMetrics"/>; without one
/// (a runtime without stats) lists are empty and gets are 404, as metrics-server answers before its first scrape.
/// </summary>
internal sealed class MetricsEndpoints(ApiContext api)
{
    public const string Group = "metrics.k8s.io";
    private const string GroupVersion = Group + "/v1beta1";
    private const string Root = "/apis/" + GroupVersion;

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet(Root + "/pods", ctx => ListPodsAsync(ctx, null));
        app.MapGet(Root + "/namespaces/{ns}/pods", ctx => ListPodsAsync(ctx, ctx.Route("ns")));
        app.MapGet(Root + "/namespaces/{ns}/pods/{name}", GetPodAsync);
        app.MapGet(Root + "/nodes", ListNodesAsync);
        app.MapGet(Root + "/nodes/{name}", GetNodeAsync);
        foreach (var route in new[] { "/pods", "/namespaces/{ns}/pods", "/namespaces/{ns}/pods/{name}", "/nodes", "/nodes/{name}" })
        {
            MethodNotAllowed.Map(app, Root + route, "GET");
        }
    }

    private Task ListPodsAsync(HttpContext ctx, string? ns)
    {
        var (labels, error) = LabelSelector.Parse(ctx.Request.Query["labelSelector"]);
        if (labels is null)
        {
            return ApiResponses.WriteError(ctx, ApiError.BadRequest(error!));
        }

        var pods = api.Store.List(ResourceKind.Pods, ns).Items.Select(o => (V1Pod)o.Object).Where(p => labels.Matches(p.Metadata.Labels)).ToList();
        var usage = api.Metrics?.Pods(pods.Select(p => p.Metadata.Uid).ToList()) ?? new Dictionary<string, PodUsage>();
        var items = pods.Where(p => usage.ContainsKey(p.Metadata.Uid)).Select(p => PodMetrics(p, usage[p.Metadata.Uid]));
        return WriteList(ctx, "PodMetricsList", items);
    }

    private Task GetPodAsync(HttpContext ctx)
    {
        var name = ctx.Route("name");
        if (api.Store.Get(ResourceKind.Pods, ctx.Route("ns"), name)?.Object is V1Pod pod
            && api.Metrics?.Pods([pod.Metadata.Uid]).GetValueOrDefault(pod.Metadata.Uid) is { } usage)
        {
            return ApiResponses.WriteObject(ctx, 200, PodMetrics(pod, usage));
        }

        return ApiResponses.WriteError(ctx, NotFound("pods", name));
    }

    private Task ListNodesAsync(HttpContext ctx) =>
        WriteList(ctx, "NodeMetricsList", api.Metrics is { } metrics ? [NodeMetrics(metrics.Node())] : []);

    private Task GetNodeAsync(HttpContext ctx)
    {
        var name = ctx.Route("name");
        return name == api.NodeName && api.Metrics is { } metrics
            ? ApiResponses.WriteObject(ctx, 200, NodeMetrics(metrics.Node()))
            : ApiResponses.WriteError(ctx, NotFound("nodes", name));
    }

    /// <summary>NewNotFound of a group's resource: the message names it qualified (<c>pods.metrics.k8s.io "x" not found</c>).</summary>
    private static ApiError NotFound(string resource, string name) =>
        ApiError.NotFound($"{resource}.{Group}", name) with { Kind = resource, Group = Group };

    private static JsonObject PodMetrics(V1Pod pod, PodUsage usage) => Typed("PodMetrics", new PodMetrics
    {
        Metadata = Metadata(pod.Metadata.Name, pod.Metadata.NamespaceProperty, pod.Metadata.Labels, usage.Timestamp),
        Timestamp = Truncated(usage.Timestamp),
        Window = GoDuration.Format(usage.Window),
        Containers = [.. usage.Containers.Select(c => new ContainerMetrics { Name = c.Name, Usage = Usage(c.CpuNanoCores, c.MemoryBytes) })],
    });

    private JsonObject NodeMetrics(NodeUsage usage) => Typed("NodeMetrics", new NodeMetrics
    {
        Metadata = Metadata(api.NodeName, null, null, usage.Timestamp),
        Timestamp = Truncated(usage.Timestamp),
        Window = GoDuration.Format(usage.Window),
        Usage = Usage(usage.CpuNanoCores, usage.MemoryBytes),
    });

    /// <summary>The client library's metrics models have no apiVersion/kind: they are added as metrics-server sends them.</summary>
    private static JsonObject Typed(string kind, object metrics)
    {
        var json = JsonNode.Parse(KubernetesJson.Serialize(metrics))!.AsObject();
        json.Insert(0, "kind", kind);
        json.Insert(0, "apiVersion", GroupVersion);
        return json;
    }

    private static V1ObjectMeta Metadata(string name, string? ns, IDictionary<string, string>? labels, DateTimeOffset at) => new()
    {
        Name = name,
        NamespaceProperty = ns,
        Labels = labels,
        CreationTimestamp = Truncated(at),
    };

    /// <summary>As metrics-server reports them: CPU in nanocores, memory in KiB.</summary>
    private static Dictionary<string, ResourceQuantity> Usage(ulong cpuNanoCores, ulong memoryBytes) => new()
    {
        ["cpu"] = new ResourceQuantity(cpuNanoCores.ToString(CultureInfo.InvariantCulture) + "n"),
        ["memory"] = new ResourceQuantity((memoryBytes / 1024).ToString(CultureInfo.InvariantCulture) + "Ki"),
    };

    private static DateTime Truncated(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    private static Task WriteList(HttpContext ctx, string kind, IEnumerable<JsonObject> items)
    {
        var list = new JsonObject
        {
            ["kind"] = kind,
            ["apiVersion"] = GroupVersion,
            ["metadata"] = new JsonObject(),
            ["items"] = new JsonArray([.. items]),
        };
        return ApiResponses.WriteObject(ctx, 200, list);
    }
}
