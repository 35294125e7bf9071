using System.Text;
using System.Text.Json.Nodes;

namespace Podvisor.Api.Discovery;

/// <summary>
/// Encodes the v2 document (as <see cref="OpenApiDocuments"/> builds it) as gnostic's <c>openapi.v2.Document</c>
/// protobuf message, the form client-go's <c>OpenAPISchema()</c> requests and decodes (kubectl ≤ 1.28). Field
/// numbers are those of google/gnostic openapiv2/OpenAPIv2.proto; vendor extensions are <c>Any.yaml</c> (JSON is
/// YAML). Only what the generator emits is encoded: info, paths with operations, query parameters and responses,
/// and schemas.
/// </summary>
internal static class GnosticV2
{
    public static byte[] Encode(JsonObject document)
    {
        var w = new ProtoWriter();
        w.String(1, (string?)document["swagger"]);
        w.Message(2, info =>
        {
            info.String(1, (string?)document["info"]?["title"]);
            info.String(2, (string?)document["info"]?["version"]);
        });
        w.Message(8, paths =>
        {
            foreach (var (name, item) in (JsonObject)document["paths"]!)
            {
                paths.Message(2, named => Named(named, name, value => PathItem(value, (JsonObject)item!)));
            }
        });
        w.Message(9, definitions =>
        {
            foreach (var (name, schema) in (JsonObject)document["definitions"]!)
            {
                definitions.Message(1, named => Named(named, name, value => Schema(value, (JsonObject)schema!)));
            }
        });
        return w.ToArray();
    }

    private static void Named(ProtoWriter w, string name, Action<ProtoWriter> value)
    {
        w.String(1, name);
        w.Message(2, value);
    }

    private static void PathItem(ProtoWriter w, JsonObject item)
    {
        foreach (var (verb, field) in new[] { ("get", 2), ("put", 3), ("post", 4), ("delete", 5), ("patch", 8) })
        {
            if (item[verb] is JsonObject operation)
            {
                w.Message(field, o => Operation(o, operation));
            }
        }
    }

    private static void Operation(ProtoWriter w, JsonObject operation)
    {
        w.String(3, (string?)operation["description"]);
        w.String(5, (string?)operation["operationId"]);
        foreach (var parameter in operation["parameters"]?.AsArray() ?? [])
        {
            // ParametersItem.parameter → Parameter.non_body_parameter → NonBodyParameter.query_parameter_sub_schema
            w.Message(8, item => item.Message(1, p => p.Message(2, nonBody => nonBody.Message(3, query =>
            {
                query.String(2, (string?)parameter!["in"]);
                query.String(3, (string?)parameter["description"]);
                query.String(4, (string?)parameter["name"]);
                query.String(6, (string?)parameter["type"]);
                query.Bool(20, (bool?)parameter["uniqueItems"] ?? false);
            }))));
        }

        if (operation["responses"] is JsonObject responses)
        {
            w.Message(9, r =>
            {
                foreach (var (code, response) in responses)
                {
                    r.Message(1, named => Named(named, code, value => value.Message(1, body => body.String(1, (string?)response!["description"]))));
                }
            });
        }

        VendorExtensions(w, 13, operation);
    }

    private static void Schema(ProtoWriter w, JsonObject schema)
    {
        w.String(1, (string?)schema["$ref"]);
        w.String(2, (string?)schema["format"]);
        w.String(4, (string?)schema["description"]);
        foreach (var required in schema["required"]?.AsArray() ?? [])
        {
            w.String(19, (string?)required);
        }

        if (schema["additionalProperties"] is JsonObject additional)
        {
            w.Message(21, a => a.Message(1, s => Schema(s, additional)));
        }

        if ((string?)schema["type"] is { } type)
        {
            w.Message(22, t => t.String(1, type));
        }

        if (schema["items"] is JsonObject items)
        {
            w.Message(23, i => i.Message(1, s => Schema(s, items)));
        }

        if (schema["properties"] is JsonObject properties)
        {
            w.Message(25, p =>
            {
                foreach (var (name, property) in properties)
                {
                    p.Message(1, named => Named(named, name, value => Schema(value, (JsonObject)property!)));
                }
            });
        }

        VendorExtensions(w, 31, schema);
    }

    /// <summary>Each <c>x-</c> key as a NamedAny whose Any.yaml holds the value's JSON text.</summary>
    private static void VendorExtensions(ProtoWriter w, int field, JsonObject owner)
    {
        foreach (var (name, value) in owner.Where(p => p.Key.StartsWith("x-", StringComparison.Ordinal)))
        {
            w.Message(field, named => Named(named, name, any => any.String(2, value!.ToJsonString())));
        }
    }

    /// <summary>Protocol buffers wire format: varints and length-delimited fields, nothing else is needed here.</summary>
    private sealed class ProtoWriter
    {
        private readonly List<byte> _out = [];

        public void String(int field, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                Bytes(field, Encoding.UTF8.GetBytes(value));
            }
        }

        public void Bool(int field, bool value)
        {
            if (value)
            {
                Varint((ulong)((field << 3) | 0));
                Varint(1);
            }
        }

        public void Message(int field, Action<ProtoWriter> write)
        {
            var inner = new ProtoWriter();
            write(inner);
            Bytes(field, inner.ToArray());
        }

        public byte[] ToArray() => _out.ToArray();

        private void Bytes(int field, byte[] value)
        {
            Varint((ulong)((field << 3) | 2));
            Varint((ulong)value.Length);
            _out.AddRange(value);
        }

        private void Varint(ulong value)
        {
            while (value >= 0x80)
            {
                _out.Add((byte)(value | 0x80));
                value >>= 7;
            }

            _out.Add((byte)value);
        }
    }
}
