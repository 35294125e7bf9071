using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Primitives;
using Podvisor.Api.Pods;
using Podvisor.Core.Serialization;

namespace Podvisor.Api.Http;

/// <summary>Decodes a core/v1 body the way the apiserver's codec does: kind check, typed decode, strict fields.</summary>
internal static class ObjectDecoder
{
    public static (T? Value, ApiError? Error, IReadOnlyList<string> Warnings) Decode<T>(JsonObject body, WriteOptions options, string kind)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        string? apiVersion = null;
        var kindError = TypeMetaField(body, "kind", out var bodyKind);
        var typeError = kindError ?? TypeMetaField(body, "apiVersion", out apiVersion);
        if (typeError is not null)
        {
            return (null, ApiError.BadRequest(typeError), []);
        }

        if ((bodyKind is not null && bodyKind != kind) || (apiVersion is not null && apiVersion != "v1"))
        {
            return (null, ApiError.BadRequest($"{bodyKind} in version \"{apiVersion}\" cannot be handled as a {kind}: no kind \"{bodyKind}\" is registered for version \"{apiVersion}\""), []);
        }

        var decoded = StrictDecoder.Decode<T>(body.ToJsonString(), kind);
        if (decoded.Value is not { } value)
        {
            return (null, ApiError.BadRequest(decoded.ToBadRequestMessage()), []);
        }

        value.Metadata ??= new V1ObjectMeta();
        var unknown = options.FieldValidation == "Ignore" || !decoded.IsStrictError ? [] : decoded.Errors;
        if (unknown.Count > 0 && options.FieldValidation == "Strict")
        {
            return (null, ApiError.BadRequest(decoded.ToBadRequestMessage()), []);
        }

        value.ApiVersion = "v1";
        value.Kind = kind;
        return (value, null, unknown);
    }

    /// <summary>kind and apiVersion must be strings (upstream json.Unmarshal into TypeMeta); null when absent.</summary>
    private static string? TypeMetaField(JsonObject body, string name, out string? value)
    {
        value = null;
        if (body[name] is not { } node)
        {
            return null;
        }

        if (node is JsonValue v && v.TryGetValue<string>(out var text))
        {
            value = text;
            return null;
        }

        var type = node switch { JsonObject => "object", JsonArray => "array", _ => node.GetValueKind() is System.Text.Json.JsonValueKind.Number ? "number" : "bool" };
        return $"couldn't get version/kind; json parse error: json: cannot unmarshal {type} into Go struct field .{name} of type string";
    }

    /// <summary>Adds RFC 7234 Warning headers (code 299), as the apiserver does for field-validation warnings.</summary>
    public static void AddWarnings(HttpResponse response, IReadOnlyList<string> warnings)
    {
        if (warnings.Count > 0)
        {
            response.Headers.Append("Warning", new StringValues(warnings.Select(w => "299 - \"" + w.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"").ToArray()));
        }
    }
}
