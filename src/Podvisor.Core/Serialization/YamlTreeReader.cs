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

    /// <summary>Deeper nesting than this is rejected (a Pod needs well under 20 levels).</summary>
    public const int MaxDepth = 256;

    /// <summary>Node count limit after alias expansion, which stops "billion laughs" documents.</summary>
    public const long MaxExpandedNodes = 1_000_000;

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
                var node = parser.Accept<DocumentEnd>(out _) ? null : new DocumentBuilder(parser).ReadNode(depth: 0);
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

    /// <summary>Builds one document, tracking anchors and the expanded size of every node.</summary>
    private sealed class DocumentBuilder(IParser parser)
    {
        private readonly Dictionary<string, ManifestNode> anchors = new(StringComparer.Ordinal);
        private readonly Dictionary<ManifestNode, long> sizes = new(ReferenceEqualityComparer.Instance);
        private long expanded;

        public ManifestNode ReadNode(int depth)
        {
            var start = parser.Current?.Start ?? Mark.Empty;
            if (depth > MaxDepth)
            {
                throw new YamlException(start, start, $"nesting deeper than {MaxDepth} levels");
            }

            if (parser.TryConsume<AnchorAlias>(out var alias))
            {
                var target = anchors.TryGetValue(alias.Value.Value, out var found)
                    ? found
                    : throw new YamlException(alias.Start, alias.End, $"unknown anchor \"{alias.Value.Value}\"");
                Count(sizes[target], start);
                return target;
            }

            var before = expanded;
            var (node, anchor) = ReadContent(depth, start);
            Count(1, start);
            sizes[node] = expanded - before;
            if (!anchor.IsEmpty)
            {
                anchors[anchor.Value] = node;
            }

            return node;
        }

        private (ManifestNode Node, AnchorName Anchor) ReadContent(int depth, Mark start)
        {
            var (line, column) = (ToInt(start.Line), ToInt(start.Column));
            if (parser.TryConsume<Scalar>(out var scalar))
            {
                return (new ScalarNode(scalar.Value, StyleOf(scalar), line, column), scalar.Anchor);
            }

            if (parser.TryConsume<SequenceStart>(out var sequenceStart))
            {
                var items = new List<ManifestNode>();
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    items.Add(ReadNode(depth + 1));
                }

                return (new SequenceNode(items, line, column), sequenceStart.Anchor);
            }

            var mappingStart = parser.Consume<MappingStart>();
            var entries = new List<KeyValuePair<ScalarNode, ManifestNode>>();
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var key = ReadNode(depth + 1) as ScalarNode
                    ?? throw new YamlException(start, start, "mapping keys must be scalars");
                entries.Add(new(key, ReadNode(depth + 1)));
            }

            return (new MappingNode(entries, line, column), mappingStart.Anchor);
        }

        private void Count(long nodes, Mark at)
        {
            expanded += nodes;
            if (expanded > MaxExpandedNodes)
            {
                throw new YamlException(at, at, $"more than {MaxExpandedNodes} values after expanding aliases");
            }
        }
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
