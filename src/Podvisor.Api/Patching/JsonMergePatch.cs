using System.Text.Json.Nodes;

namespace Podvisor.Api.Patching;

/// <summary>RFC 7386 JSON merge patch (<c>application/merge-patch+json</c>): objects merge, null deletes, the rest replaces.</summary>
internal static class JsonMergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : [];
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
                continue;
            }

            result[key] = Apply(result[key], value);
        }

        return result;
    }
}
