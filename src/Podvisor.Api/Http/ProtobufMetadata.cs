using System.Text;
using System.Text.Json.Nodes;

namespace Podvisor.Api.Http;

/// <summary>
/// Reads the Kubernetes protobuf envelope (<c>k8s\0</c> + runtime.Unknown{typeMeta, raw}) far enough to get the
/// object's apiVersion, kind and metadata (name, generateName, labels, annotations). Typed kubectl commands such as
/// <c>kubectl create namespace</c> send protobuf and do not fall back to JSON; a namespace needs nothing more.
/// </summary>
internal static class ProtobufMetadata
{
    private static readonly byte[] Magic = [0x6b, 0x38, 0x73, 0x00];

    /// <summary>A body as a JSON object: JSON or YAML, or of protobuf the envelope's type and metadata.</summary>
    public static async Task<(JsonObject?, ApiError?)> ReadObjectAsync(HttpRequest request)
    {
        if (request.ContentType?.Contains("protobuf", StringComparison.OrdinalIgnoreCase) != true)
        {
            var (text, error) = await RequestBody.ReadTextAsync(request).ConfigureAwait(false);
            return text is null ? (null, error) : RequestBody.ParseObject(text);
        }

        using var memory = new MemoryStream();
        await request.Body.CopyToAsync(memory, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return Decode(memory.ToArray()) is { } decoded ? (decoded, null) : (null, ApiError.BadRequest("the protobuf body has no Kubernetes envelope"));
    }

    public static JsonObject? Decode(ReadOnlySpan<byte> body)
    {
        if (!body.StartsWith(Magic))
        {
            return null;
        }

        var result = new JsonObject();
        foreach (var (field, value) in Fields(body[Magic.Length..].ToArray()))
        {
            if (field == 1)
            {
                foreach (var (typeField, typeValue) in Fields(value))
                {
                    result[typeField == 1 ? "apiVersion" : "kind"] = Encoding.UTF8.GetString(typeValue);
                }
            }
            else if (field == 2)
            {
                foreach (var (objectField, objectValue) in Fields(value).Where(f => f.Field == 1))
                {
                    result["metadata"] = Metadata(objectValue);
                }
            }
        }

        return result;
    }

    private static JsonObject Metadata(byte[] meta)
    {
        var result = new JsonObject();
        foreach (var (field, value) in Fields(meta))
        {
            switch (field)
            {
                case 1: result["name"] = Encoding.UTF8.GetString(value); break;
                case 2: result["generateName"] = Encoding.UTF8.GetString(value); break;
                case 11: AddEntry(result, "labels", value); break;
                case 12: AddEntry(result, "annotations", value); break;
                default: break;
            }
        }

        return result;
    }

    private static void AddEntry(JsonObject meta, string map, byte[] entry)
    {
        var fields = Fields(entry).ToDictionary(f => f.Field, f => Encoding.UTF8.GetString(f.Value));
        var target = meta[map] as JsonObject ?? [];
        target[fields.GetValueOrDefault(1, "")] = fields.GetValueOrDefault(2, "");
        meta[map] = target;
    }

    /// <summary>The length-delimited fields of a message (varint and fixed fields are skipped).</summary>
    private static List<(int Field, byte[] Value)> Fields(byte[] message)
    {
        var fields = new List<(int, byte[])>();
        var at = 0;
        while (at < message.Length)
        {
            var key = Varint(message, ref at);
            var wireType = (int)(key & 7);
            switch (wireType)
            {
                case 0: Varint(message, ref at); break;
                case 1: at += 8; break;
                case 5: at += 4; break;
                case 2:
                    var length = (int)Varint(message, ref at);
                    if (length < 0 || at + length > message.Length)
                    {
                        return fields;
                    }

                    fields.Add(((int)(key >> 3), message.AsSpan(at, length).ToArray()));
                    at += length;
                    break;
                default: return fields;
            }
        }

        return fields;
    }

    private static ulong Varint(byte[] message, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; at < message.Length && shift < 64; shift += 7)
        {
            var b = message[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                break;
            }
        }

        return value;
    }
}
