using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Podvisor.Core.Serialization;

/// <summary>
/// Reads a YAML stream (one or more <c>---</c> documents) into <see cref="ManifestNode"/> trees with positions, using
/// YamlDotNet's event parser so duplicate keys survive to be reported and anchors/aliases resolve.
/// </summary>
public static class YamlTreeReader
{
    private const string StrTag = "tag:yaml.org,2002:str";

    /// <summary>The documents in <paramref name="text"/> (null for an empty document), or the first syntax error.</summary>
    public static (IReadOnlyList<ManifestNode?> Documents, ParseError? Error) Read(string text)
    {
        var parser = new Parser(new StringReader(text));
        var documents = new List<ManifestNode?>();
        try
        {
            parser.Consume<StreamStart>();
            while (parser.TryConsume<DocumentStart>(out _))
            {
                var anchors = new Dictionary<string, ManifestNode>(StringComparer.Ordinal);
                var node = parser.Accept<DocumentEnd>(out _) ? null : ReadNode(parser, anchors);
                parser.Consume<DocumentEnd>();
                documents.Add(node is ScalarNode { Style: ScalarStyle.Plain, Text: "" } ? null : node);
            }

            parser.Consume<StreamEnd>();
            return (documents, null);
        }
        catch (YamlException e)
        {
            return (documents, new ParseError(e.Message, ToInt(e.Start.Line), ToInt(e.Start.Column)));
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            // YamlDotNet throws these for some malformed input; report the last position it reached.
            var at = parser.Current?.End ?? Mark.Empty;
            return (documents, new ParseError("invalid YAML: " + e.Message, ToInt(at.Line), ToInt(at.Column)));
        }
    }

    private static ManifestNode ReadNode(IParser parser, Dictionary<string, ManifestNode> anchors)
    {
        var start = parser.Current?.Start ?? Mark.Empty;
        var (line, column) = (ToInt(start.Line), ToInt(start.Column));
        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            return anchors.TryGetValue(alias.Value.Value, out var target)
                ? target
                : throw new YamlException(alias.Start, alias.End, $"unknown anchor \"{alias.Value.Value}\"");
        }

        if (parser.TryConsume<Scalar>(out var scalar))
        {
            return Remember(anchors, scalar.Anchor, new ScalarNode(scalar.Value, StyleOf(scalar), line, column));
        }

        if (parser.TryConsume<SequenceStart>(out var sequenceStart))
        {
            var items = new List<ManifestNode>();
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                items.Add(ReadNode(parser, anchors));
            }

            return Remember(anchors, sequenceStart.Anchor, new SequenceNode(items, line, column));
        }

        var mappingStart = parser.Consume<MappingStart>();
        var entries = new List<KeyValuePair<ScalarNode, ManifestNode>>();
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var key = ReadNode(parser, anchors) as ScalarNode
                ?? throw new YamlException(start, start, "mapping keys must be scalars");
            entries.Add(new(key, ReadNode(parser, anchors)));
        }

        return Remember(anchors, mappingStart.Anchor, new MappingNode(entries, line, column));
    }

    private static ManifestNode Remember(Dictionary<string, ManifestNode> anchors, AnchorName anchor, ManifestNode node)
    {
        if (!anchor.IsEmpty)
        {
            anchors[anchor.Value] = node;
        }

        return node;
    }

    private static ScalarStyle StyleOf(Scalar scalar)
    {
        var tagged = !scalar.Tag.IsEmpty && !scalar.Tag.IsNonSpecific;
        if (scalar.Style is not YamlDotNet.Core.ScalarStyle.Plain || (tagged && scalar.Tag.Value == StrTag))
        {
            return ScalarStyle.String;
        }

        return ScalarStyle.Plain;
    }

    private static int ToInt(long value) => (int)Math.Clamp(value, 0, int.MaxValue);
}
