using System.Text.Json.Nodes;

namespace Podvisor.Api.Patching;

/// <summary>
/// Strategic merge patch for pods (<c>application/strategic-merge-patch+json</c>), as far as kubectl label, annotate,
/// patch and client-side apply use it. Mirrors apimachinery strategicpatch: lists with a patchMergeKey merge element by
/// element, <c>$patch: replace|delete</c>, <c>$retainKeys</c>, <c>$setElementOrder/</c> and
/// <c>$deleteFromPrimitiveList/</c> directives; other lists are replaced.
/// </summary>
internal static class StrategicMergePatch
{
    private const string PrimitiveMerge = "";

    /// <summary>patchMergeKey (or primitive set merge) per pod field path, from <see cref="PatchMeta"/>.</summary>
    private static readonly Dictionary<string, string> MergeKeys = BuildMergeKeys();

    public static JsonNode? Apply(JsonNode? target, JsonNode? patch) => Merge(target, patch, "");

    /// <summary>Walks the V1Pod model: every list field with a merge strategy, by its dotted JSON path.</summary>
    private static Dictionary<string, string> BuildMergeKeys()
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        Walk(typeof(k8s.Models.V1Pod), "", keys, depth: 0);
        return keys;
    }

    private static void Walk(Type type, string path, Dictionary<string, string> keys, int depth)
    {
        foreach (var (property, jsonName) in Discovery.ModelSchemas.JsonProperties(type))
        {
            var fieldPath = Join(path, jsonName);
            if (PatchMeta.Of(type, jsonName) is { } meta)
            {
                keys[fieldPath] = meta.MergeKey ?? PrimitiveMerge;
            }

            if (depth < 10 && Discovery.ModelSchemas.ElementModel(property.PropertyType) is { } model)
            {
                Walk(model, fieldPath, keys, depth + 1);
            }
        }
    }

    private static JsonNode? Merge(JsonNode? target, JsonNode? patch, string path)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var directive = patchObject["$patch"]?.GetValue<string>();
        if (directive == "replace")
        {
            var replacement = (JsonObject)patchObject.DeepClone();
            replacement.Remove("$patch");
            return replacement;
        }

        if (directive == "delete")
        {
            return null;
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : [];
        foreach (var (key, value) in patchObject)
        {
            if (!key.StartsWith('$'))
            {
                MergeField(result, key, value, Join(path, key));
            }
        }

        ApplyDirectives(result, patchObject, path);
        return result;
    }

    private static void MergeField(JsonObject result, string key, JsonNode? value, string path)
    {
        if (value is null)
        {
            result.Remove(key);
        }
        else if (value is JsonArray list && MergeKeys.TryGetValue(path, out var mergeKey))
        {
            result[key] = mergeKey == PrimitiveMerge ? UnionList(result[key] as JsonArray, list) : MergeList(result[key] as JsonArray, list, mergeKey, path);
        }
        else
        {
            var merged = Merge(result[key], value, path);
            if (merged is null)
            {
                result.Remove(key);
            }
            else
            {
                result[key] = merged;
            }
        }
    }

    private static void ApplyDirectives(JsonObject result, JsonObject patch, string path)
    {
        foreach (var (key, value) in patch)
        {
            if (key.StartsWith("$setElementOrder/", StringComparison.Ordinal) && value is JsonArray order)
            {
                var field = key["$setElementOrder/".Length..];
                if (result[field] is JsonArray list && MergeKeys.TryGetValue(Join(path, field), out var mergeKey))
                {
                    result[field] = Reorder(list, order, mergeKey);
                }
            }
            else if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal) && value is JsonArray removed)
            {
                var field = key["$deleteFromPrimitiveList/".Length..];
                if (result[field] is JsonArray list)
                {
                    result[field] = new JsonArray(list.Where(item => !removed.Any(r => JsonNode.DeepEquals(r, item))).Select(i => i?.DeepClone()).ToArray());
                }
            }
            else if (key == "$retainKeys" && value is JsonArray retain)
            {
                var keep = retain.Select(k => k?.GetValue<string>()).ToHashSet();
                foreach (var name in result.Select(p => p.Key).Where(k => !keep.Contains(k)).ToList())
                {
                    result.Remove(name);
                }
            }
        }
    }

    private static JsonArray MergeList(JsonArray? target, JsonArray patch, string mergeKey, string path)
    {
        if (patch.Any(item => item is JsonObject o && o["$patch"]?.GetValue<string>() == "replace"))
        {
            return new JsonArray(patch.Where(item => item is not JsonObject o || !o.ContainsKey("$patch")).Select(i => i?.DeepClone()).ToArray());
        }

        var result = target is null ? new List<JsonNode?>() : target.Select(i => i?.DeepClone()).ToList();
        foreach (var item in patch)
        {
            var key = (item as JsonObject)?[mergeKey];
            var index = result.FindIndex(existing => key is not null && JsonNode.DeepEquals((existing as JsonObject)?[mergeKey], key));
            if ((item as JsonObject)?["$patch"]?.GetValue<string>() == "delete")
            {
                if (index >= 0)
                {
                    result.RemoveAt(index);
                }
            }
            else if (index >= 0)
            {
                result[index] = Merge(result[index], item, path);
            }
            else
            {
                result.Add(Merge(null, item, path));
            }
        }

        return new JsonArray(result.ToArray());
    }

    private static JsonArray UnionList(JsonArray? target, JsonArray patch)
    {
        var result = target is null ? new List<JsonNode?>() : target.Select(i => i?.DeepClone()).ToList();
        foreach (var item in patch.Where(item => !result.Any(existing => JsonNode.DeepEquals(existing, item))))
        {
            result.Add(item?.DeepClone());
        }

        return new JsonArray(result.ToArray());
    }

    /// <summary>$setElementOrder: the listed elements first in the given order, then the others in their current order.</summary>
    private static JsonArray Reorder(JsonArray list, JsonArray order, string mergeKey)
    {
        var items = list.Select(i => i?.DeepClone()).ToList();
        var ordered = new List<JsonNode?>();
        foreach (var entry in order)
        {
            var key = (entry as JsonObject)?[mergeKey];
            var index = items.FindIndex(i => JsonNode.DeepEquals((i as JsonObject)?[mergeKey], key));
            if (index >= 0)
            {
                ordered.Add(items[index]);
                items.RemoveAt(index);
            }
        }

        ordered.AddRange(items);
        return new JsonArray(ordered.ToArray());
    }

    private static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;
}
