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
        var kind = body["kind"]?.GetValue<string>();
        var apiVersion = body["apiVersion"]?.GetValue<string>();
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
        var unknown = options.FieldValidation == "Ignore" || !decoded.IsStrictError ? [] : decoded.Errors;
        if (unknown.Count > 0 && options.FieldValidation == "Strict")
        {
            return (null, ApiError.BadRequest(decoded.ToBadRequestMessage()), []);
        }

        pod.ApiVersion = "v1";
        pod.Kind = "Pod";
        return (pod, null, unknown);
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
