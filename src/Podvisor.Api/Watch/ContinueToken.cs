using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Podvisor.Api.Watch;

/// <summary>
/// A list's <c>continue</c> value: the snapshot's resourceVersion and the key the next page starts at, as the
/// apiserver's storage.EncodeContinue writes it (unpadded base64url of <c>{"v":"meta.k8s.io/v1","rv":N,"start":KEY}</c>,
/// KEY being the last returned key followed by a NUL). <see cref="LatestRevision"/> (-1) means "continue from the
/// current state" (handleCompactedErrorForPaging's inconsistent token).
/// </summary>
internal sealed partial record ContinueToken(long ResourceVersion, string StartKey)
{
    public const long LatestRevision = -1;

    private const string Version = "meta.k8s.io/v1";

    /// <summary>The token for the page after the one that ended with <paramref name="lastKey"/>.</summary>
    public static string After(long resourceVersion, string lastKey) => new ContinueToken(resourceVersion, lastKey + "\0").Encode();

    public string Encode() =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new Wire(Version, ResourceVersion, StartKey), WireContext.Default.Wire));

    /// <summary>Decodes a token; the error is the apiserver's BadRequest message.</summary>
    public static (ContinueToken? Token, string? Error) Decode(string value)
    {
        Wire? wire;
        try
        {
            wire = JsonSerializer.Deserialize(Base64Url.DecodeFromChars(value), WireContext.Default.Wire);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return (null, $"invalid continue token: continue key is not valid: {e.Message}");
        }

        if (wire is null || wire.V != Version)
        {
            return (null, "invalid continue token: continue key is not valid: server does not recognize this encoded key");
        }

        if (wire.Rv is 0 or < LatestRevision)
        {
            return (null, "invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
        }

        return wire.Start.Length == 0 || wire.Start.Contains("/../", StringComparison.Ordinal)
            ? (null, "invalid continue token: continue key is not valid: encoded start key is not valid")
            : (new ContinueToken(wire.Rv, wire.Start), null);
    }

    internal sealed record Wire(
        [property: JsonPropertyName("v")] string V,
        [property: JsonPropertyName("rv")] long Rv,
        [property: JsonPropertyName("start")] string Start);

    [JsonSerializable(typeof(Wire))]
    internal sealed partial class WireContext : JsonSerializerContext;
}
