using System.Text;
using System.Text.Json.Nodes;

namespace Podvisor.Api.Discovery;

/// <summary>
/// Minimal OpenAPI v3 documents. kubectl's query-param verifier (client-go resource.QueryParamVerifierV3) looks for
/// the PATCH operation of the GVK and its <c>fieldValidation</c> parameter; finding it, kubectl leaves validation to
/// the server (strict decoding). No schemas are published, so kubectl apply computes patches from its built-in types.
/// </summary>
internal static class OpenApiDocuments
{
    public static readonly byte[] CoreV1 = Encoding.UTF8.GetBytes(BuildCoreV1().ToJsonString());

    public static readonly byte[] Index = Encoding.UTF8.GetBytes(new JsonObject
    {
        ["paths"] = new JsonObject
        {
            ["api/v1"] = new JsonObject { ["serverRelativeURL"] = "/openapi/v3/api/v1?hash=" + Hash(CoreV1) },
        },
    }.ToJsonString());

    private static JsonObject BuildCoreV1() => new()
    {
        ["openapi"] = "3.0.0",
        ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = ServerVersion.GitVersion },
        ["paths"] = new JsonObject
        {
            ["/api/v1/namespaces/{namespace}/pods/{name}"] = PatchPath("Pod"),
            ["/api/v1/namespaces/{name}"] = PatchPath("Namespace"),
        },
        ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
    };

    private static JsonObject PatchPath(string kind) => new()
    {
        ["patch"] = new JsonObject
        {
            ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = "", ["kind"] = kind, ["version"] = "v1" },
            ["parameters"] = new JsonArray(
                new JsonObject { ["name"] = "fieldValidation", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } },
                new JsonObject { ["name"] = "fieldManager", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } }),
            ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
        },
    };

    private static string Hash(byte[] document) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(document))[..32];
}
