using System.Buffers;
using System.Text.Json;
using Podvisor.Api.Http;
using Podvisor.Api.Store;
using Podvisor.Api.Watch;

namespace Podvisor.Api.Printing;

/// <summary>Writes a meta.k8s.io Table of stored objects (rows in the given order), with the row objects kubectl asks for.</summary>
internal static class TableWriter
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Write(ResourceKind kind, IReadOnlyList<StoredObject> objects, OutputFormat format, ListMeta meta, DateTimeOffset now, Func<StoredObject, byte[]> json)
    {
        var buffer = new ArrayBufferWriter<byte>(1024 + (objects.Count * 512));
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", "Table");
            writer.WriteString("apiVersion", format.TableApiVersion);
            writer.WritePropertyName("metadata");
            writer.WriteRawValue(ApiResponses.ListMetaJson(meta), skipInputValidation: true);
            WriteColumns(writer, kind.Printer.Columns);
            writer.WriteStartArray("rows");
            foreach (var obj in objects)
            {
                WriteRow(writer, obj, kind.Printer.Print(obj.Object, now), format.Include, json);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteColumns(Utf8JsonWriter writer, IReadOnlyList<TableColumn> columns)
    {
        writer.WriteStartArray("columnDefinitions");
        foreach (var column in columns)
        {
            writer.WriteStartObject();
            writer.WriteString("name", column.Name);
            writer.WriteString("type", column.Type);
            writer.WriteString("format", column.Format);
            writer.WriteString("description", column.Description);
            writer.WriteNumber("priority", column.Priority);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteRow(Utf8JsonWriter writer, StoredObject obj, TableRow row, IncludeObject include, Func<StoredObject, byte[]> json)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("cells");
        foreach (var cell in row.Cells)
        {
            switch (cell)
            {
                case long number:
                    writer.WriteNumberValue(number);
                    break;
                default:
                    writer.WriteStringValue(cell.ToString());
                    break;
            }
        }

        writer.WriteEndArray();
        if (row.Conditions.Count > 0)
        {
            writer.WriteStartArray("conditions");
            foreach (var c in row.Conditions)
            {
                writer.WriteStartObject();
                writer.WriteString("type", c.Type);
                writer.WriteString("status", c.Status);
                writer.WriteString("reason", c.Reason);
                writer.WriteString("message", c.Message);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        WriteRowObject(writer, obj, include, json);
        writer.WriteEndObject();
    }

    private static void WriteRowObject(Utf8JsonWriter writer, StoredObject obj, IncludeObject include, Func<StoredObject, byte[]> json)
    {
        switch (include)
        {
            case IncludeObject.None:
                return;
            case IncludeObject.Object:
                writer.WritePropertyName("object");
                writer.WriteRawValue(json(obj), skipInputValidation: true);
                return;
            case IncludeObject.Metadata:
                writer.WriteStartObject("object");
                writer.WriteString("kind", "PartialObjectMetadata");
                writer.WriteString("apiVersion", "meta.k8s.io/v1");
                writer.WritePropertyName("metadata");
                writer.WriteRawValue(obj.MetadataJson, skipInputValidation: true);
                writer.WriteEndObject();
                return;
            default:
                throw new System.Diagnostics.UnreachableException();
        }
    }
}
