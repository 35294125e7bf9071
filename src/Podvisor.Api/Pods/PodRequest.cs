using System.Text.Json.Nodes;
using k8s.Models;
using Podvisor.Core.Serialization;
using Microsoft.Extensions.Primitives;
using Podvisor.Api.Http;

namespace Podvisor.Api.Pods;

/// <summary>Per-request write options: <c>dryRun</c>, <c>fieldValidation</c>, <c>fieldManager</c>.</summary>
internal sealed record WriteOptions(bool DryRun, string FieldValidation)
{
    public static WriteOptions From(HttpRequest request) => new(
        request.Query["dryRun"].Contains("All"),
        request.Query["fieldValidation"] is { Count: > 0 } v ? v.ToString() : "Warn");
}

/// <summary>The result of a write: the object to return, or a failure; plus field-validation warnings.</summary>
internal sealed record WriteResult(V1Pod? Pod, ApiError? Error, IReadOnlyList<string> Warnings, int Code = 200)
{
    /// <summary>A concurrent write won the race and the client did not pin a resourceVersion: read again and retry.</summary>
    public static readonly WriteResult RetryLater = new(null, null, []) { Retry = true };

    public bool Retry { get; private init; }

    public static WriteResult Fail(ApiError error, IReadOnlyList<string>? warnings = null) => new(null, error, warnings ?? []);
}

/// <summary>Decodes a pod body the way the apiserver's codec does for pods: kind check, typed decode, strict fields.</summary>
internal static class PodDecoder
{
    public static (V1Pod? Pod, ApiError? Error, IReadOnlyList<string> Warnings) Decode(JsonObject body, WriteOptions options)
    {
        string? apiVersion = null;
        var kindError = TypeMetaField(body, "kind", out var kind);
        var typeError = kindError ?? TypeMetaField(body, "apiVersion", out apiVersion);
        if (typeError is not null)
        {
            return (null, ApiError.BadRequest(typeError), []);
        }

        if ((kind is not null && kind != "Pod") || (apiVersion is not null && apiVersion != "v1"))
        {
            return (null, ApiError.BadRequest($"{kind} in version \"{apiVersion}\" cannot be handled as a Pod: no kind \"{kind}\" is registered for version \"{apiVersion}\""), []);
        }

        var decoded = StrictDecoder.DecodePod(body.ToJsonString());
        if (decoded.Pod is not { } pod)
        {
            return (null, ApiError.BadRequest(decoded.ToBadRequestMessage()), []);
        }

        pod.Metadata ??= new V1ObjectMeta();
        pod.Spec ??= new V1PodSpec(); // Go's zero value: validation then reports what is missing
        var unknown = options.FieldValidation == "Ignore" || !decoded.IsStrictError ? [] : decoded.Errors;
        if (unknown.Count > 0 && options.FieldValidation == "Strict")
        {
            return (null, ApiError.BadRequest(decoded.ToBadRequestMessage()), []);
        }

        pod.ApiVersion = "v1";
        pod.Kind = "Pod";
        return (pod, null, unknown);
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
