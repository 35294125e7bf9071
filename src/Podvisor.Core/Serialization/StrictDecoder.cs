using System.Text.Json;
using k8s;

namespace Podvisor.Core.Serialization;

/// <summary>
/// The outcome of decoding an API request body as a <paramref name="Kind"/>. <see cref="Value"/> is null only when the
/// body could not be decoded at all; with only strict errors (unknown or duplicate fields) it holds the object without
/// them, for <c>fieldValidation=Warn|Ignore</c>.
/// </summary>
public sealed record StrictDecodeResult<T>(T? Value, IReadOnlyList<string> Errors, bool IsStrictError, string Kind)
    where T : class
{
    /// <summary>
    /// The decoding error as kube-apiserver words it: <c>strict decoding error: unknown field "spec.x", unknown field
    /// "spec.y"</c> for strict errors, otherwise the first decoding error. Empty when valid.
    /// </summary>
    public string Message => Errors.Count == 0 ? "" : IsStrictError ? "strict decoding error: " + string.Join(", ", Errors) : Errors[0];

    /// <summary>
    /// The 400 BadRequest Status message (apiserver transformDecodeError):
    /// <c>Pod in version "v1" cannot be handled as a Pod: strict decoding error: ...</c>.
    /// </summary>
    public string ToBadRequestMessage() => $"{Kind} in version \"v1\" cannot be handled as a {Kind}: {Message}";
}

/// <summary>Strict decoding of a v1 object from a JSON request body (the API create/update path).</summary>
public static class StrictDecoder
{
    /// <summary>Decodes <paramref name="json"/> as a v1 <paramref name="kind"/>, reporting unknown and duplicate fields by full path.</summary>
    public static StrictDecodeResult<T> Decode<T>(string json, string kind)
        where T : class
    {
        var (node, parseError) = JsonTreeReader.Read(json);
        if (parseError is not null)
        {
            return new(null, [$"json parse error at line {parseError.Line}, column {parseError.Column}: {parseError.Message}"], false, kind);
        }

        var (bound, issues) = NodeBinder.Bind(node!, typeof(T));
        var typeErrors = issues.Where(i => !i.IsStrict).Select(i => i.Message).ToList();
        if (typeErrors.Count > 0)
        {
            return new(null, typeErrors, false, kind);
        }

        try
        {
            return KubernetesJson.Deserialize<T>(bound) is { } value
                ? new(value, issues.Select(i => i.Message).ToList(), issues.Count > 0, kind)
                : new(null, [$"the request body must be a {kind} object"], false, kind);
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or InvalidOperationException or OverflowException)
        {
            return new(null, [e.Message], false, kind);
        }
    }
}
