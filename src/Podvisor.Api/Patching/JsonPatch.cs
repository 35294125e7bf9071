using System.Text.Json.Nodes;

namespace Podvisor.Api.Patching;

/// <summary>RFC 6902 JSON patch (<c>application/json-patch+json</c>): add, remove, replace, move, copy, test.</summary>
internal static class JsonPatch
{
    /// <summary>Applies the operations in order; the first failing operation is returned as an error message.</summary>
    public static (JsonNode? Result, string? Error) Apply(JsonNode target, JsonArray operations)
    {
        var document = target.DeepClone();
        foreach (var operation in operations)
        {
            if (operation is not JsonObject op || op["op"]?.GetValue<string>() is not { } name || op["path"]?.GetValue<string>() is not { } path)
            {
                return (null, "json patch operation must be an object with \"op\" and \"path\"");
            }

            var error = name switch
            {
                "add" => Add(ref document, path, op["value"]?.DeepClone()),
                "remove" => Remove(document, path).Error,
                "replace" => Replace(ref document, path, op["value"]?.DeepClone()),
                "move" => Move(ref document, op["from"]?.GetValue<string>(), path, copy: false),
                "copy" => Move(ref document, op["from"]?.GetValue<string>(), path, copy: true),
                "test" => JsonNode.DeepEquals(Get(document, path), op["value"]) ? null : $"testing value {path} failed",
                _ => $"Unexpected kind: {name}",
            };
            if (error is not null)
            {
                return (null, error);
            }
        }

        return (document, null);
    }

    private static string? Add(ref JsonNode document, string path, JsonNode? value)
    {
        if (path.Length == 0)
        {
            document = value ?? new JsonObject();
            return null;
        }

        var (parent, last) = Parent(document, path);
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                return null;
            case JsonArray array when last == "-":
                array.Add(value);
                return null;
            case JsonArray array when int.TryParse(last, out var index) && index >= 0 && index <= array.Count:
                array.Insert(index, value);
                return null;
            default:
                return $"add operation does not apply: doc is missing path: \"{path}\"";
        }
    }

    private static (JsonNode? Removed, string? Error) Remove(JsonNode document, string path)
    {
        var (parent, last) = Parent(document, path);
        switch (parent)
        {
            case JsonObject obj when obj.ContainsKey(last):
                var removed = obj[last];
                obj.Remove(last);
                return (removed, null);
            case JsonArray array when int.TryParse(last, out var index) && index >= 0 && index < array.Count:
                var item = array[index];
                array.RemoveAt(index);
                return (item, null);
            default:
                return (null, $"remove operation does not apply: doc is missing path: \"{path}\"");
        }
    }

    private static string? Replace(ref JsonNode document, string path, JsonNode? value)
    {
        var (_, error) = path.Length == 0 ? (null, null) : Remove(document, path);
        return error is not null ? $"replace operation does not apply: doc is missing key: {path}" : Add(ref document, path, value);
    }

    private static string? Move(ref JsonNode document, string? from, string path, bool copy)
    {
        if (from is null)
        {
            return "missing \"from\"";
        }

        var value = Get(document, from)?.DeepClone();
        if (value is null)
        {
            return $"{(copy ? "copy" : "move")} operation does not apply: doc is missing from path: {from}";
        }

        if (!copy)
        {
            Remove(document, from);
        }

        return Add(ref document, path, value);
    }

    private static JsonNode? Get(JsonNode? node, string path)
    {
        foreach (var token in Tokens(path))
        {
            node = node switch
            {
                JsonObject obj => obj[token],
                JsonArray array when int.TryParse(token, out var i) && i >= 0 && i < array.Count => array[i],
                _ => null,
            };
        }

        return node;
    }

    private static (JsonNode? Parent, string Last) Parent(JsonNode document, string path)
    {
        var tokens = Tokens(path).ToList();
        if (tokens.Count == 0)
        {
            return (null, "");
        }

        var parentPath = string.Concat(tokens.SkipLast(1).Select(t => "/" + t.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)));
        return (Get(document, parentPath), tokens[^1]);
    }

    private static IEnumerable<string> Tokens(string path) =>
        path.Split('/').Skip(1).Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
}
