using System.Text.Json.Nodes;
using k8s.Models;
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

/// <summary>Decodes a pod body as the apiserver's codec does (<see cref="ObjectDecoder"/>) with Go's zero-value spec.</summary>
internal static class PodDecoder
{
    public static (V1Pod? Pod, ApiError? Error, IReadOnlyList<string> Warnings) Decode(JsonObject body, WriteOptions options)
    {
        var (pod, error, warnings) = ObjectDecoder.Decode<V1Pod>(body, options, "Pod");
        if (pod is not null)
        {
            pod.Spec ??= new V1PodSpec(); // Go's zero value: validation then reports what is missing
        }

        return (pod, error, warnings);
    }
}
