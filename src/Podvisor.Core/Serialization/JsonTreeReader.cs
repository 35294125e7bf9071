using System.Text;
using System.Text.Json;

namespace Podvisor.Core.Serialization;

/// <summary>
/// Reads one JSON value into a <see cref="ManifestNode"/> tree with positions. Duplicate keys are kept (so they can be
/// reported) and numbers keep their source text.
/// </summary>
public static class JsonTreeReader
{
    private const int MaxDepth = 256;

    /// <summary>The value in <paramref name="text"/>, or the first syntax error.</summary>
    public static (ManifestNode? Node, ParseError? Error) Read(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var lineStarts = LineStarts(bytes);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            if (!reader.Read())
            {
                return (null, new ParseError("empty JSON document", 1, 1));
            }

            var node = ReadValue(ref reader, lineStarts);
            if (reader.Read())
            {
                return (null, Position("unexpected content after the JSON value", reader.TokenStartIndex, lineStarts));
            }

            return (node, null);
        }
        catch (JsonException e)
        {
            var line = (int)(e.LineNumber ?? 0) + 1;
            var column = (int)(e.BytePositionInLine ?? 0) + 1;
            return (null, new ParseError(e.Message.Split(" LineNumber:", 2)[0].TrimEnd(), line, column));
        }
    }

    private static ManifestNode ReadValue(ref Utf8JsonReader reader, int[] lineStarts)
    {
        var (line, column) = LineColumn(reader.TokenStartIndex, lineStarts);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var entries = new List<KeyValuePair<ScalarNode, ManifestNode>>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var (keyLine, keyColumn) = LineColumn(reader.TokenStartIndex, lineStarts);
                    var key = new ScalarNode(reader.GetString()!, ScalarStyle.String, keyLine, keyColumn);
                    reader.Read();
                    entries.Add(new(key, ReadValue(ref reader, lineStarts)));
                }

                return new MappingNode(entries, line, column);
            case JsonTokenType.StartArray:
                var items = new List<ManifestNode>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadValue(ref reader, lineStarts));
                }

                return new SequenceNode(items, line, column);
            case JsonTokenType.String:
                return new ScalarNode(reader.GetString()!, ScalarStyle.String, line, column);
            case JsonTokenType.Number:
                return new ScalarNode(Encoding.UTF8.GetString(reader.ValueSpan), ScalarStyle.Number, line, column);
            case JsonTokenType.True or JsonTokenType.False:
                return new ScalarNode(reader.TokenType == JsonTokenType.True ? "true" : "false", ScalarStyle.Bool, line, column);
            default:
                return new ScalarNode("", ScalarStyle.Null, line, column);
        }
    }

    private static int[] LineStarts(byte[] bytes)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                starts.Add(i + 1);
            }
        }

        return [.. starts];
    }

    private static (int Line, int Column) LineColumn(long index, int[] lineStarts)
    {
        var found = Array.BinarySearch(lineStarts, (int)index);
        var lineIndex = found >= 0 ? found : ~found - 1;
        return (lineIndex + 1, (int)index - lineStarts[lineIndex] + 1);
    }

    private static ParseError Position(string message, long index, int[] lineStarts)
    {
        var (line, column) = LineColumn(index, lineStarts);
        return new ParseError(message, line, column);
    }
}
