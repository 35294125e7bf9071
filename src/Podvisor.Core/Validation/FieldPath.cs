using System.Globalization;
using System.Text;

namespace Podvisor.Core.Validation;

/// <summary>
/// An immutable field path that renders like apimachinery <c>field.Path.String()</c>:
/// <c>spec.containers[0].name</c>, map keys as <c>metadata.labels[app]</c>.
/// </summary>
public sealed class FieldPath
{
    private readonly FieldPath? parent;
    private readonly string segment;
    private readonly bool isSubscript;

    private FieldPath(FieldPath? parent, string segment, bool isSubscript)
    {
        this.parent = parent;
        this.segment = segment;
        this.isSubscript = isSubscript;
    }

    /// <summary>Mirrors field.NewPath: a root followed by more child names.</summary>
    public static FieldPath Root(string name, params string[] more)
    {
        var path = new FieldPath(null, name, false);
        foreach (var m in more)
        {
            path = path.Child(m);
        }

        return path;
    }

    public FieldPath Child(string name) => new(this, name, false);

    public FieldPath Index(int index) => new(this, index.ToString(CultureInfo.InvariantCulture), true);

    public FieldPath Key(string key) => new(this, key, true);

    public override string ToString()
    {
        var parts = new List<FieldPath>();
        for (var p = this; p is not null; p = p.parent)
        {
            parts.Add(p);
        }

        var sb = new StringBuilder();
        for (var i = parts.Count - 1; i >= 0; i--)
        {
            var p = parts[i];
            // Go's Path.String prints a segment without a name as its (here empty) index: NewPath("") is "[]".
            if (p.isSubscript || p.segment.Length == 0)
            {
                sb.Append('[').Append(p.segment).Append(']');
                continue;
            }

            if (sb.Length > 0)
            {
                sb.Append('.');
            }

            sb.Append(p.segment);
        }

        return sb.ToString();
    }
}
