namespace Podvisor.Core.Serialization;

/// <summary>How a scalar was written, which decides how it may bind (see <see cref="NodeBinder"/>).</summary>
public enum ScalarStyle
{
    /// <summary>An unquoted YAML scalar: typed by the field it binds to (YAML 1.1 rules for ints and bools).</summary>
    Plain,

    /// <summary>A quoted YAML scalar or a JSON string.</summary>
    String,

    /// <summary>A JSON number.</summary>
    Number,

    /// <summary>A JSON true/false.</summary>
    Bool,

    /// <summary>A JSON null.</summary>
    Null,
}

/// <summary>A parsed YAML or JSON value with its 1-based source position; keys keep their order and duplicates.</summary>
public abstract record ManifestNode(int Line, int Column);

public sealed record ScalarNode(string Text, ScalarStyle Style, int Line, int Column) : ManifestNode(Line, Column);

public sealed record SequenceNode(IReadOnlyList<ManifestNode> Items, int Line, int Column) : ManifestNode(Line, Column);

public sealed record MappingNode(IReadOnlyList<KeyValuePair<ScalarNode, ManifestNode>> Entries, int Line, int Column)
    : ManifestNode(Line, Column)
{
    /// <summary>The first value under <paramref name="key"/>, or null.</summary>
    public ManifestNode? Get(string key) => Entries.FirstOrDefault(e => e.Key.Text == key).Value;

    /// <summary>The text of a scalar value under <paramref name="key"/>, or null when absent or not a scalar.</summary>
    public string? GetText(string key) => Get(key) is ScalarNode { Style: not ScalarStyle.Null } s ? s.Text : null;
}

/// <summary>A parse failure at a 1-based position.</summary>
public sealed record ParseError(string Message, int Line, int Column);
