using Podvisor.Core.Model;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using k8s.Models;

namespace Podvisor.Core.Serialization;

/// <summary>
/// Checks a <see cref="ManifestNode"/> tree against a model type and writes it out as JSON for KubernetesJson.
/// Mirrors kube-apiserver strict decoding (sigs.k8s.io/json): every unknown field is reported as
/// <c>unknown field "spec.containers[0].x"</c> and every repeated key as <c>duplicate field "..."</c>; unknown fields
/// are left out of the JSON and the last duplicate wins, so a non-strict caller still gets an object. Unquoted YAML
/// scalars take the type of their field (YAML 1.1 ints and bools, anything as a string); JSON values must match.
/// </summary>
public sealed class NodeBinder
{
    private readonly List<DecodeIssue> issues = [];
    private readonly Utf8JsonWriter writer;

    private NodeBinder(Utf8JsonWriter writer) => this.writer = writer;

    /// <summary>The JSON for <paramref name="node"/> bound to <paramref name="type"/>, and the issues found.</summary>
    public static (string Json, IReadOnlyList<DecodeIssue> Issues) Bind(ManifestNode node, Type type)
    {
        using var stream = new MemoryStream();
        var binder = new NodeBinder(new Utf8JsonWriter(stream));
        binder.BindValue(node, ModelSchema.For(type), "");
        binder.writer.Flush();
        binder.writer.Dispose();
        return (Encoding.UTF8.GetString(stream.ToArray()), binder.issues);
    }

    private void BindValue(ManifestNode node, ModelSchema schema, string path)
    {
        if (IsNull(node))
        {
            writer.WriteNullValue();
            return;
        }

        switch (schema.Shape)
        {
            case FieldShape.Object: BindObject(node, schema, path); break;
            case FieldShape.List: BindList(node, schema, path); break;
            case FieldShape.Map: BindMap(node, schema, path); break;
            case FieldShape.Any: WriteAny(node); break;
            default: BindScalar(node, schema, path); break;
        }
    }

    private void BindObject(ManifestNode node, ModelSchema schema, string path)
    {
        if (node is not MappingNode mapping)
        {
            TypeError(node, path, "an object");
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartObject();
        foreach (var (key, value) in LastWins(mapping, path))
        {
            if (!schema.Properties.TryGetValue(key.Text, out var propertyType))
            {
                Issue(key, $"unknown field {Quote(Join(path, key.Text))}{HintFor(schema.Type, key.Text)}", strict: true);
                continue;
            }

            writer.WritePropertyName(key.Text);
            BindValue(value, ModelSchema.For(propertyType), Join(path, key.Text));
        }

        writer.WriteEndObject();
    }

    private void BindMap(ManifestNode node, ModelSchema schema, string path)
    {
        if (node is not MappingNode mapping)
        {
            TypeError(node, path, "an object");
            writer.WriteNullValue();
            return;
        }

        var valueSchema = ModelSchema.For(schema.Element!);
        writer.WriteStartObject();
        foreach (var (key, value) in LastWins(mapping, path))
        {
            writer.WritePropertyName(key.Text);
            BindValue(value, valueSchema, $"{path}[{key.Text}]");
        }

        writer.WriteEndObject();
    }

    private void BindList(ManifestNode node, ModelSchema schema, string path)
    {
        if (node is not SequenceNode sequence)
        {
            TypeError(node, path, "a list");
            writer.WriteNullValue();
            return;
        }

        var elementSchema = ModelSchema.For(schema.Element!);
        writer.WriteStartArray();
        for (var i = 0; i < sequence.Items.Count; i++)
        {
            if (IsNull(sequence.Items[i]))
            {
                WriteZero(elementSchema.Shape);
                continue;
            }

            BindValue(sequence.Items[i], elementSchema, $"{path}[{i}]");
        }

        writer.WriteEndArray();
    }

    /// <summary>
    /// A null list item decodes to the element's zero value in Go (encoding/json leaves the appended element as it is):
    /// <c>command: [null]</c> is <c>[""]</c>, <c>conditions: [null]</c> is one empty condition.
    /// </summary>
    private void WriteZero(FieldShape shape)
    {
        switch (shape)
        {
            case FieldShape.String: writer.WriteStringValue(""); break;
            case FieldShape.Integer or FieldShape.Number or FieldShape.IntOrString: writer.WriteNumberValue(0); break;
            case FieldShape.Bool: writer.WriteBooleanValue(false); break;
            case FieldShape.Quantity: writer.WriteStringValue("0"); break;
            case FieldShape.Object: writer.WriteStartObject(); writer.WriteEndObject(); break;
            default: writer.WriteNullValue(); break;
        }
    }

    private void BindScalar(ManifestNode node, ModelSchema schema, string path)
    {
        if (node is not ScalarNode scalar)
        {
            TypeError(node, path, Expected(schema.Shape));
            writer.WriteNullValue();
            return;
        }

        var written = schema.Shape switch
        {
            FieldShape.String => WriteString(scalar, allow: scalar.Style is ScalarStyle.String or ScalarStyle.Plain),
            FieldShape.Integer => WriteInteger(scalar, schema.IsInt32),
            FieldShape.Number => WriteNumber(scalar),
            FieldShape.Bool => WriteBool(scalar),
            FieldShape.IntOrString => WriteInteger(scalar, int32: true) || WriteString(scalar, allow: scalar.Style is not (ScalarStyle.Number or ScalarStyle.Bool)),
            FieldShape.Quantity => WriteString(scalar, allow: scalar.Style is not ScalarStyle.Bool && IsQuantity(scalar.Text)),
            _ => throw new UnreachableException(),
        };
        if (!written)
        {
            TypeError(node, path, Expected(schema.Shape));
            writer.WriteNullValue();
        }
    }

    private bool WriteString(ScalarNode scalar, bool allow)
    {
        if (allow)
        {
            writer.WriteStringValue(scalar.Text);
        }

        return allow;
    }

    private bool WriteInteger(ScalarNode scalar, bool int32)
    {
        long? value = scalar.Style switch
        {
            ScalarStyle.Number => long.TryParse(scalar.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : null,
            ScalarStyle.Plain => YamlScalars.ParseInt(scalar.Text),
            _ => null,
        };
        if (value is not { } v || (int32 && v is < int.MinValue or > int.MaxValue))
        {
            return false;
        }

        writer.WriteNumberValue(v);
        return true;
    }

    private bool WriteNumber(ScalarNode scalar)
    {
        var ok = scalar.Style is ScalarStyle.Number or ScalarStyle.Plain
            && double.TryParse(scalar.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d);
        if (ok)
        {
            writer.WriteRawValue(scalar.Style == ScalarStyle.Number ? scalar.Text : double.Parse(scalar.Text, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture));
        }

        return ok;
    }

    private bool WriteBool(ScalarNode scalar)
    {
        var value = scalar.Style switch
        {
            ScalarStyle.Bool => scalar.Text == "true",
            ScalarStyle.Plain => YamlScalars.ParseBool(scalar.Text),
            _ => null,
        };
        if (value is { } b)
        {
            writer.WriteBooleanValue(b);
        }

        return value is not null;
    }

    /// <summary>Writes a value of unknown schema (e.g. managedFields.fieldsV1) as plain JSON.</summary>
    private void WriteAny(ManifestNode node)
    {
        switch (node)
        {
            case MappingNode mapping:
                writer.WriteStartObject();
                foreach (var (key, value) in mapping.Entries)
                {
                    writer.WritePropertyName(key.Text);
                    WriteAny(value);
                }

                writer.WriteEndObject();
                break;
            case SequenceNode sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Items)
                {
                    WriteAny(item);
                }

                writer.WriteEndArray();
                break;
            case ScalarNode scalar:
                YamlScalars.WriteCoreSchema(writer, scalar);
                break;
        }
    }

    /// <summary>The entries of <paramref name="mapping"/> with repeated keys reported and the last value kept.</summary>
    private List<(ScalarNode Key, ManifestNode Value)> LastWins(MappingNode mapping, string path)
    {
        var result = new List<(ScalarNode Key, ManifestNode Value)>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (key, value) in mapping.Entries)
        {
            if (index.TryGetValue(key.Text, out var at))
            {
                Issue(key, $"duplicate field {Quote(Join(path, key.Text))}", strict: true);
                result[at] = (result[at].Key, value);
                continue;
            }

            index[key.Text] = result.Count;
            result.Add((key, value));
        }

        return result;
    }

    /// <summary>Hints for the restart-rule keys that appear in announcements but not in the API (docs/lifecycle.md §2.1, §14).</summary>
    private static string HintFor(Type owner, string key) => (owner == typeof(V1ContainerRestartRule), key) switch
    {
        (true, "onExit") => " (the v1.35 announcement's onExit key does not exist; use exitCodes directly under the rule)",
        (true, "when") => " (KEP-5307's when key does not exist; use exitCodes directly under the rule)",
        _ => "",
    };

    private void TypeError(ManifestNode node, string path, string expected) =>
        Issue(node, $"invalid value for {Quote(path.Length == 0 ? "(root)" : path)}: expected {expected}, got {Describe(node)}", strict: false);

    private void Issue(ManifestNode at, string message, bool strict) => issues.Add(new DecodeIssue(message, at.Line, strict));

    private static bool IsNull(ManifestNode node) =>
        node is ScalarNode { Style: ScalarStyle.Null } or ScalarNode { Style: ScalarStyle.Plain, Text: "" or "~" or "null" or "Null" or "NULL" };

    private static bool IsQuantity(string text)
    {
        try
        {
            _ = new ResourceQuantity(text).ToDecimal();
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return false;
        }
    }

    private static string Expected(FieldShape shape) => shape switch
    {
        FieldShape.String => "a string",
        FieldShape.Integer => "an integer",
        FieldShape.Number => "a number",
        FieldShape.Bool => "a boolean",
        FieldShape.IntOrString => "an integer or a string",
        FieldShape.Quantity => "a quantity such as 100m or 1Gi",
        _ => throw new UnreachableException(),
    };

    private static string Describe(ManifestNode node) => node switch
    {
        MappingNode => "an object",
        SequenceNode => "a list",
        ScalarNode { Style: ScalarStyle.Number } s => $"number {s.Text}",
        ScalarNode { Style: ScalarStyle.Bool } s => $"boolean {s.Text}",
        ScalarNode s => $"string {Quote(s.Text)}",
        _ => throw new UnreachableException(),
    };

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static string Quote(string text) => GoFormat.Quote(text);
}
