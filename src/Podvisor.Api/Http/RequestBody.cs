using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;

namespace Podvisor.Api.Http;

/// <summary>
/// Reads request bodies: JSON, YAML (converted to JSON through KubernetesYaml), and for whole objects the protobuf
/// encoding of the kinds <see cref="ProtobufBody"/> reads. Failures are 4xx values.
/// </summary>
internal static class RequestBody
{
    private const int MaxBodyBytes = 3 * 1024 * 1024;

    public static async Task<(string? Text, ApiError? Error)> ReadTextAsync(HttpRequest request)
    {
        if (IsProtobuf(request))
        {
            return (null, ApiError.UnsupportedMediaType(request.ContentType!));
        }

        var (bytes, error) = await ReadBytesAsync(request).ConfigureAwait(false);
        return bytes is { } body ? (Encoding.UTF8.GetString(body.Span), null) : (null, error);
    }

    private static bool IsProtobuf(HttpRequest request) =>
        request.ContentType?.Contains("protobuf", StringComparison.OrdinalIgnoreCase) == true;

    private static async Task<(ReadOnlyMemory<byte>? Bytes, ApiError? Error)> ReadBytesAsync(HttpRequest request)
    {
        using var memory = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, request.HttpContext.RequestAborted)) > 0)
        {
            memory.Write(buffer, 0, read);
            if (memory.Length > MaxBodyBytes)
            {
                return (null, new ApiError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728"));
            }
        }

        return (new ReadOnlyMemory<byte>(memory.GetBuffer(), 0, (int)memory.Length), null);
    }

    /// <summary>Parses a body as a JSON object; YAML is accepted when the text is not JSON.</summary>
    public static (JsonObject? Node, ApiError? Error) ParseObject(string text)
    {
        var trimmed = text.TrimStart();
        if (trimmed.Length == 0)
        {
            return (null, ApiError.BadRequest("the body of the request was empty"));
        }

        try
        {
            if (trimmed[0] is '{' or '[')
            {
                return JsonNode.Parse(text) is JsonObject obj ? (obj, null) : (null, ApiError.BadRequest("the body of the request must be a JSON object"));
            }

            // The bounded reader first: YamlDotNet's deserializer recurses without a depth limit (a 10,000-deep body
            // overflowed the stack), Core's tree reader caps depth and alias expansion (docs/decisions.md).
            if (Podvisor.Core.Serialization.YamlTreeReader.Read(text).Error is { } yamlError)
            {
                return (null, ApiError.BadRequest($"error converting YAML to JSON: yaml: line {yamlError.Line}: {yamlError.Message}"));
            }

            // YAML bodies are typed by their apiVersion/kind (KubernetesYaml's model map), then handled as JSON.
            var fromYaml = KubernetesYaml.LoadAllFromString(text, null, false).FirstOrDefault();
            return fromYaml is not null && JsonNode.Parse(KubernetesJson.Serialize(fromYaml)) is JsonObject yamlObj
                ? (yamlObj, null)
                : (null, ApiError.BadRequest("the body of the request must be an object"));
        }
        catch (KeyNotFoundException)
        {
            // KubernetesYaml knows no model for the document's apiVersion/kind (or it has none).
            return (null, ApiError.BadRequest("the object provided is unrecognized or malformed: Object 'Kind' is missing or not registered"));
        }
        catch (Exception ex) when (ex is JsonException or YamlDotNet.Core.YamlException or InvalidOperationException or FormatException or ArgumentException or OverflowException)
        {
            return (null, ApiError.BadRequest("the object provided is unrecognized or malformed: " + ex.Message));
        }
    }

    /// <summary>The body parsed as one JSON, YAML or protobuf object (<see cref="ProtobufBody.Decode"/>).</summary>
    public static async Task<(JsonObject? Node, ApiError? Error)> ReadObjectAsync(HttpRequest request, bool envelopeOfOtherKinds = false)
    {
        if (IsProtobuf(request))
        {
            var (bytes, bytesError) = await ReadBytesAsync(request).ConfigureAwait(false);
            return bytes is { } body ? ProtobufBody.Decode(body, request.ContentType!, envelopeOfOtherKinds) : (null, bytesError);
        }

        var (text, error) = await ReadTextAsync(request).ConfigureAwait(false);
        return text is null ? (null, error) : ParseObject(text);
    }

    /// <summary>Converts a JSON node to a typed object; a type mismatch (e.g. a string where a number belongs) is a 400.</summary>
    public static (T? Value, ApiError? Error) Decode<T>(JsonNode node)
        where T : class
    {
        try
        {
            return (KubernetesJson.Deserialize<T>(node.ToJsonString()), null);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or NotSupportedException or ArgumentException or OverflowException)
        {
            return (null, ApiError.BadRequest("the object provided is unrecognized or malformed: " + ex.Message));
        }
    }
}
