using System.Text;
using System.Text.Json.Nodes;

namespace Podvisor.Api.Discovery;

/// <summary>
/// The OpenAPI documents, generated once on first use from <see cref="ServedResources"/> and the k8s.Models classes:
/// v2 (<c>/openapi/v2</c>, JSON and gnostic protobuf; kubectl 1.27/1.28 validate and compute apply patches with it)
/// and v3 (<c>/openapi/v3</c> index and one document per group/version; kubectl explain and kubectl ≥ 1.29). Each
/// patchable kind has its PATCH operation with the <c>fieldValidation</c> parameter, which tells kubectl
/// (client-go QueryParamVerifier) that the server validates fields itself.
/// </summary>
internal sealed class OpenApiDocuments
{
    private static readonly Lazy<OpenApiDocuments> Instance = new(() => new OpenApiDocuments(ModelDocs.Load()));

    private readonly Lazy<byte[]> _v2Protobuf;

    public OpenApiDocuments(ModelDocs docs)
    {
        V2 = BuildV2(docs);
        V2Json = Encoding.UTF8.GetBytes(V2.ToJsonString());
        _v2Protobuf = new(() => GnosticV2.Encode(V2));
        V3 = ServedResources.ByGroupVersion()
            .Where(gv => gv.Any(r => r.Model is not null))
            .ToDictionary(gv => gv.Key == "v1" ? "api/v1" : "apis/" + gv.Key, gv => Encoding.UTF8.GetBytes(BuildV3(docs, gv).ToJsonString()));
        V3Index = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["paths"] = new JsonObject(V3.Select(d => KeyValuePair.Create<string, JsonNode?>(
                d.Key, new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{d.Key}?hash={Hash(d.Value)}" }))),
        }.ToJsonString());
    }

    public static OpenApiDocuments Current => Instance.Value;

    public JsonObject V2 { get; }

    public byte[] V2Json { get; }

    public byte[] V2Protobuf => _v2Protobuf.Value;

    /// <summary>v3 documents by path under <c>/openapi/v3/</c> (<c>api/v1</c>, <c>apis/events.k8s.io/v1</c>, ...).</summary>
    public IReadOnlyDictionary<string, byte[]> V3 { get; }

    public byte[] V3Index { get; }

    private static JsonObject BuildV2(ModelDocs docs)
    {
        var schemas = new ModelSchemas(docs, "#/definitions/");
        var paths = new JsonObject();
        foreach (var resource in ServedResources.All.Where(r => r.Model is not null))
        {
            AddKind(schemas, paths, resource);
        }

        return new JsonObject
        {
            ["swagger"] = "2.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = ServerVersion.GitVersion },
            ["paths"] = paths,
            ["definitions"] = Definitions(schemas),
        };
    }

    private static JsonObject BuildV3(ModelDocs docs, IEnumerable<ServedResource> groupVersion)
    {
        var schemas = new ModelSchemas(docs, "#/components/schemas/");
        var paths = new JsonObject();
        foreach (var resource in groupVersion.Where(r => r.Model is not null))
        {
            AddKind(schemas, paths, resource);
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = ServerVersion.GitVersion },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = Definitions(schemas) },
        };
    }

    /// <summary>The verbs a kind's path item documents (get and patch of one object).</summary>
    private static readonly string[] ReadVerbs = ["get", "patch"];

    private static void AddKind(ModelSchemas schemas, JsonObject paths, ServedResource resource)
    {
        schemas.AddKind(resource.Model!, resource.Group, resource.Version, resource.Resource.Kind);
        var item = new JsonObject();
        foreach (var verb in ReadVerbs.Where(resource.Resource.Verbs.Contains))
        {
            item[verb] = Operation(resource, verb);
        }

        if (item.Count > 0)
        {
            paths[ItemPath(resource)] = item;
        }
    }

    private static string ItemPath(ServedResource resource)
    {
        var root = resource.Group.Length == 0 ? "/api/v1" : $"/apis/{resource.GroupVersion}";
        var plural = resource.Resource.Name;
        return resource.Resource.Namespaced ? $"{root}/namespaces/{{namespace}}/{plural}/{{name}}" : $"{root}/{plural}/{{name}}";
    }

    /// <summary>
    /// An item operation carrying the kind's GVK: kubectl explain finds the kind of a resource through its item path
    /// (kubectl explain's plaintext template), the query-param verifier through the PATCH operation's parameters.
    /// </summary>
    private static JsonObject Operation(ServedResource resource, string verb) => new()
    {
        ["operationId"] = $"{(verb == "get" ? "read" : verb)}{(resource.Resource.Namespaced ? "Namespaced" : "")}{resource.Resource.Kind}",
        ["x-kubernetes-action"] = verb,
        ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = resource.Group, ["kind"] = resource.Resource.Kind, ["version"] = resource.Version },
        ["parameters"] = verb == "patch"
            ? new JsonArray(QueryParameter("dryRun"), QueryParameter("fieldManager"), QueryParameter("fieldValidation"), QueryParameter("force"))
            : new JsonArray(),
        ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
    };

    /// <summary>A query parameter as a v2 document writes it (v3 readers take the same name/in pair).</summary>
    private static JsonObject QueryParameter(string name) => new()
    {
        ["name"] = name,
        ["in"] = "query",
        ["type"] = name == "force" ? "boolean" : "string",
        ["uniqueItems"] = true,
    };

    private static JsonObject Definitions(ModelSchemas schemas) =>
        new(schemas.Definitions.Select(d => KeyValuePair.Create<string, JsonNode?>(d.Key, d.Value.DeepClone())));

    private static string Hash(byte[] document) => Convert.ToHexString(System.Security.Cryptography.SHA512.HashData(document))[..128];
}
