using System.Text.Json;
using k8s;
using k8s.Models;

namespace Podvisor.Core.Serialization;

/// <summary>
/// The outcome of decoding an API request body. <see cref="Pod"/> is null only when the body could not be decoded at
/// all; with only strict errors (unknown or duplicate fields) it holds the pod without them, for
/// <c>fieldValidation=Warn|Ignore</c>.
/// </summary>
public sealed record StrictDecodeResult(V1Pod? Pod, IReadOnlyList<string> Errors, bool IsStrictError)
{
    public bool IsValid => Errors.Count == 0;

    /// <summary>
    /// The decoding error as kube-apiserver words it: <c>strict decoding error: unknown field "spec.x", unknown field
    /// "spec.y"</c> for strict errors, otherwise the first decoding error. Empty when valid.
    /// </summary>
    public string Message => Errors.Count == 0 ? "" : IsStrictError ? "strict decoding error: " + string.Join(", ", Errors) : Errors[0];

    /// <summary>
    /// The 400 BadRequest Status message (apiserver transformDecodeError):
    /// <c>Pod in version "v1" cannot be handled as a Pod: strict decoding error: ...</c>.
    /// </summary>
    public string ToBadRequestMessage() => $"Pod in version \"v1\" cannot be handled as a Pod: {Message}";
}

/// <summary>Strict decoding of a Pod from a JSON request body (the API create/update path).</summary>
public static class StrictDecoder
{
    /// <summary>Decodes <paramref name="json"/> as a v1 Pod, reporting unknown and duplicate fields by full path.</summary>
    public static StrictDecodeResult DecodePod(string json)
    {
        var (node, parseError) = JsonTreeReader.Read(json);
        if (parseError is not null)
        {
            return new StrictDecodeResult(null, [$"json parse error at line {parseError.Line}, column {parseError.Column}: {parseError.Message}"], false);
        }

        var (bound, issues) = NodeBinder.Bind(node!, typeof(V1Pod));
        var typeErrors = issues.Where(i => !i.IsStrict).Select(i => i.Message).ToList();
        if (typeErrors.Count > 0)
        {
            return new StrictDecodeResult(null, typeErrors, false);
        }

        try
        {
            var pod = KubernetesJson.Deserialize<V1Pod>(bound);
            if (pod is null)
            {
                return new StrictDecodeResult(null, ["the request body must be a Pod object"], false);
            }

            return new StrictDecodeResult(pod, issues.Select(i => i.Message).ToList(), issues.Count > 0);
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or InvalidOperationException or OverflowException)
        {
            return new StrictDecodeResult(null, [e.Message], false);
        }
    }
}
