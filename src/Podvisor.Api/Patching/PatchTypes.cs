using System.Text.Json.Nodes;
using Podvisor.Api.Http;

namespace Podvisor.Api.Patching;

/// <summary>Dispatches a PATCH body on its Content-Type (the four patch types the apiserver accepts).</summary>
internal static class PatchTypes
{
    public const string Json = "application/json-patch+json";
    public const string Merge = "application/merge-patch+json";
    public const string Strategic = "application/strategic-merge-patch+json";
    public const string Apply = "application/apply-patch+yaml";

    public static string? Normalize(string? contentType) =>
        (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant() switch
        {
            Json => Json,
            Merge => Merge,
            Strategic => Strategic,
            Apply or "application/apply-patch+cbor" => Apply,
            _ => null,
        };

    /// <summary>Applies a non-apply patch to the current object's JSON.</summary>
    public static (JsonNode? Result, ApiError? Error) ApplyPatch(string patchType, JsonNode current, string body)
    {
        JsonNode? patch;
        try
        {
            patch = JsonNode.Parse(body);
        }
        catch (System.Text.Json.JsonException ex)
        {
            return (null, ApiError.BadRequest("error decoding patch: " + ex.Message));
        }

        return patchType switch
        {
            Json when patch is JsonArray operations => FromJsonPatch(JsonPatch.Apply(current, operations)),
            Json => (null, ApiError.BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch")),
            Merge => (JsonMergePatch.Apply(current, patch), null),
            Strategic or Apply => (StrategicMergePatch.Apply(current, patch), null),
            _ => throw new System.Diagnostics.UnreachableException(),
        };
    }

    private static (JsonNode?, ApiError?) FromJsonPatch((JsonNode? Result, string? Error) outcome) =>
        outcome.Error is null ? (outcome.Result, null) : (null, new ApiError(422, "Invalid", outcome.Error));
}
