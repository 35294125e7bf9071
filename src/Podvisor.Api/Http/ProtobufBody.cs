using System.Text;
using System.Text.Json.Nodes;

namespace Podvisor.Api.Http;

/// <summary>
/// Reads the Kubernetes protobuf encoding (<c>application/vnd.kubernetes.protobuf</c>: the magic <c>k8s\0</c>, then
/// a runtime.Unknown holding the TypeMeta and the object's bytes) for the kinds clients send that way: v1 ConfigMap and
/// Secret (<c>kubectl create configmap/secret</c>), TokenRequest (<c>kubectl create token</c>) and
/// SelfSubjectAccessReview (<c>kubectl auth can-i</c>); of other kinds, where the caller allows it, the type and
/// metadata (typed commands such as <c>kubectl create namespace</c> send protobuf and do not fall back to JSON). The
/// result is the object as JSON, decoded from there like any JSON body. Fields Podvisor does not read are skipped;
/// malformed input is a 400, never an exception.
/// </summary>
internal static class ProtobufBody
{
    private static readonly byte[] Magic = "k8s\0"u8.ToArray();

    /// <summary>The object as JSON, or the apiserver's error for a body it cannot decode.</summary>
    /// <param name="envelopeOfOtherKinds">Of a kind not listed above, read the type and metadata instead of answering 415.</param>
    public static (JsonObject? Node, ApiError? Error) Decode(ReadOnlyMemory<byte> body, string contentType, bool envelopeOfOtherKinds = false)
    {
        if (body.Length < Magic.Length || !body.Span[..Magic.Length].SequenceEqual(Magic))
        {
            return (null, ApiError.BadRequest("provided object is not a protobuf-encoded Kubernetes object: the magic prefix is missing"));
        }

        try
        {
            string? apiVersion = null, kind = null;
            ReadOnlyMemory<byte> raw = default;
            foreach (var field in new Reader(body[Magic.Length..]).Fields())
            {
                if (field.Number == 1)
                {
                    foreach (var meta in new Reader(field.Bytes).Fields())
                    {
                        apiVersion = meta.Number == 1 ? meta.String : apiVersion;
                        kind = meta.Number == 2 ? meta.String : kind;
                    }
                }
                else if (field.Number == 2)
                {
                    raw = field.Bytes;
                }
            }

            var obj = (apiVersion, kind) switch
            {
                ("v1", "ConfigMap") => ConfigMap(raw),
                ("v1", "Secret") => Secret(raw),
                ("authentication.k8s.io/v1", "TokenRequest") => TokenRequest(raw),
                ("authorization.k8s.io/v1", "SelfSubjectAccessReview") => SelfSubjectAccessReview(raw),
                _ when envelopeOfOtherKinds => Envelope(apiVersion, kind, raw),
                _ => null,
            };
            return obj is null
                ? (null, ApiError.UnsupportedMediaType(contentType))
                : (obj, null);
        }
        catch (FormatException e)
        {
            return (null, ApiError.BadRequest("the object provided is unrecognized or malformed: " + e.Message));
        }
    }

    private static JsonObject ConfigMap(ReadOnlyMemory<byte> raw)
    {
        var obj = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap" };
        foreach (var field in new Reader(raw).Fields())
        {
            switch (field.Number)
            {
                case 1: obj["metadata"] = ObjectMeta(field.Bytes); break;
                case 2: AddEntry(obj, "data", field.Bytes, base64: false); break;
                case 3: AddEntry(obj, "binaryData", field.Bytes, base64: true); break;
                case 4: obj["immutable"] = field.Varint != 0; break;
            }
        }

        return obj;
    }

    private static JsonObject Envelope(string? apiVersion, string? kind, ReadOnlyMemory<byte> raw)
    {
        var obj = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind };
        foreach (var field in new Reader(raw).Fields().Where(f => f.Number == 1))
        {
            obj["metadata"] = ObjectMeta(field.Bytes);
        }

        return obj;
    }

    /// <summary>authentication/v1 TokenRequest: spec audiences (1), boundObjectRef (3: kind, apiVersion, name, uid), expirationSeconds (4).</summary>
    private static JsonObject TokenRequest(ReadOnlyMemory<byte> raw)
    {
        var obj = Envelope("authentication.k8s.io/v1", "TokenRequest", raw);
        var spec = new JsonObject();
        foreach (var field in new Reader(raw).Fields().Where(f => f.Number == 2))
        {
            foreach (var specField in new Reader(field.Bytes).Fields())
            {
                switch (specField.Number)
                {
                    case 1: ((spec["audiences"] ??= new JsonArray()) as JsonArray)!.Add(specField.String); break;
                    case 3: spec["boundObjectRef"] = Strings(specField.Bytes, "kind", "apiVersion", "name", "uid"); break;
                    case 4: spec["expirationSeconds"] = (long)specField.Varint; break;
                }
            }
        }

        obj["spec"] = spec;
        return obj;
    }

    /// <summary>
    /// authorization/v1 SelfSubjectAccessReview: spec resourceAttributes (1: namespace, verb, group, version, resource,
    /// subresource, name) or nonResourceAttributes (2: path, verb).
    /// </summary>
    private static JsonObject SelfSubjectAccessReview(ReadOnlyMemory<byte> raw)
    {
        var obj = Envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", raw);
        var spec = new JsonObject();
        foreach (var field in new Reader(raw).Fields().Where(f => f.Number == 2))
        {
            foreach (var specField in new Reader(field.Bytes).Fields())
            {
                switch (specField.Number)
                {
                    case 1: spec["resourceAttributes"] = Strings(specField.Bytes, "namespace", "verb", "group", "version", "resource", "subresource", "name"); break;
                    case 2: spec["nonResourceAttributes"] = Strings(specField.Bytes, "path", "verb"); break;
                }
            }
        }

        obj["spec"] = spec;
        return obj;
    }

    /// <summary>A message of string fields numbered 1, 2, ... in <paramref name="names"/>' order; empty ones left out.</summary>
    private static JsonObject Strings(ReadOnlyMemory<byte> raw, params string[] names)
    {
        var obj = new JsonObject();
        foreach (var field in new Reader(raw).Fields().Where(f => f.Number <= names.Length && !f.Bytes.IsEmpty))
        {
            obj[names[field.Number - 1]] = field.String;
        }

        return obj;
    }

    private static JsonObject Secret(ReadOnlyMemory<byte> raw)
    {
        var obj = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Secret" };
        foreach (var field in new Reader(raw).Fields())
        {
            switch (field.Number)
            {
                case 1: obj["metadata"] = ObjectMeta(field.Bytes); break;
                case 2: AddEntry(obj, "data", field.Bytes, base64: true); break;
                case 3 when !field.Bytes.IsEmpty: obj["type"] = field.String; break;
                case 4: AddEntry(obj, "stringData", field.Bytes, base64: false); break;
                case 5: obj["immutable"] = field.Varint != 0; break;
            }
        }

        return obj;
    }

    /// <summary>The ObjectMeta fields a create carries: name, generateName, namespace, labels, annotations, finalizers.</summary>
    private static JsonObject ObjectMeta(ReadOnlyMemory<byte> raw)
    {
        var meta = new JsonObject();
        foreach (var field in new Reader(raw).Fields())
        {
            switch (field.Number)
            {
                // Go's generated marshalling writes empty strings; JSON (omitempty) leaves them out.
                case 1 or 2 or 3 when field.Bytes.IsEmpty: break;
                case 1: meta["name"] = field.String; break;
                case 2: meta["generateName"] = field.String; break;
                case 3: meta["namespace"] = field.String; break;
                case 11: AddEntry(meta, "labels", field.Bytes, base64: false); break;
                case 12: AddEntry(meta, "annotations", field.Bytes, base64: false); break;
                case 14:
                    ((meta["finalizers"] ??= new JsonArray()) as JsonArray)!.Add(field.String);
                    break;
            }
        }

        return meta;
    }

    /// <summary>One map entry (a message with key 1 and value 2) into <c>obj[name]</c>; bytes values as base64, as JSON has them.</summary>
    private static void AddEntry(JsonObject obj, string name, ReadOnlyMemory<byte> entry, bool base64)
    {
        string key = "";
        ReadOnlyMemory<byte> value = default;
        foreach (var field in new Reader(entry).Fields())
        {
            if (field.Number == 1)
            {
                key = field.String;
            }
            else if (field.Number == 2)
            {
                value = field.Bytes;
            }
        }

        var map = (JsonObject)(obj[name] ??= new JsonObject());
        map[key] = base64 ? Convert.ToBase64String(value.Span) : Utf8(value);
    }

    private static string Utf8(ReadOnlyMemory<byte> bytes) => new UTF8Encoding(false, throwOnInvalidBytes: false).GetString(bytes.Span);

    private readonly record struct Field(int Number, ulong Varint, ReadOnlyMemory<byte> Bytes)
    {
        public string String => Utf8(Bytes);
    }

    /// <summary>The protobuf wire format: varint, 64-bit, length-delimited and 32-bit fields; groups are refused.</summary>
    private sealed class Reader(ReadOnlyMemory<byte> data)
    {
        private int _pos;

        public IEnumerable<Field> Fields()
        {
            while (_pos < data.Length)
            {
                var tag = ReadVarint();
                var number = (int)Math.Min(tag >> 3, int.MaxValue);
                if (number == 0)
                {
                    throw new FormatException("protobuf field number 0");
                }

                switch (tag & 7)
                {
                    case 0:
                        yield return new Field(number, ReadVarint(), default);
                        break;
                    case 1:
                        yield return new Field(number, 0, Take(8));
                        break;
                    case 2:
                        var length = ReadVarint();
                        yield return new Field(number, 0, Take(length > int.MaxValue ? -1 : (int)length));
                        break;
                    case 5:
                        yield return new Field(number, 0, Take(4));
                        break;
                    default:
                        throw new FormatException($"unsupported protobuf wire type {tag & 7}");
                }
            }
        }

        private ReadOnlyMemory<byte> Take(int length)
        {
            if (length < 0 || length > data.Length - _pos)
            {
                throw new FormatException("protobuf field runs past the end of the body");
            }

            var slice = data.Slice(_pos, length);
            _pos += length;
            return slice;
        }

        private ulong ReadVarint()
        {
            ulong value = 0;
            for (var shift = 0; shift < 70; shift += 7)
            {
                if (_pos >= data.Length)
                {
                    throw new FormatException("truncated protobuf varint");
                }

                var b = data.Span[_pos++];
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return value;
                }
            }

            throw new FormatException("protobuf varint longer than 10 bytes");
        }
    }
}
