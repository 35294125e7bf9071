using System.Text;
using k8s;
using k8s.Models;

namespace Podvisor.Api.Selectors;

/// <summary>
/// A parsed field selector: comma-separated <c>field=value</c>, <c>field==value</c>, <c>field!=value</c> terms
/// (apimachinery fields.ParseSelector, with its backslash escapes).
/// </summary>
internal sealed class FieldSelector
{
    public static readonly FieldSelector Everything = new([]);

    private readonly IReadOnlyList<(string Field, bool Equal, string Value)> _terms;

    private FieldSelector(IReadOnlyList<(string, bool, string)> terms) => _terms = terms;

    public static (FieldSelector? Selector, string? Error) Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (Everything, null);
        }

        var terms = new List<(string, bool, string)>();
        foreach (var term in SplitUnescaped(text, ','))
        {
            var (field, equal, value) = SplitTerm(term);
            if (field is null)
            {
                return (null, $"invalid selector: '{text}'; can't understand '{term}'");
            }

            terms.Add((field, equal, value));
        }

        return (new FieldSelector(terms), null);
    }

    /// <summary>The first field label the kind does not support, if any (upstream: "field label not supported: X").</summary>
    public string? UnsupportedField(Func<IKubernetesObject<V1ObjectMeta>, string, string?> fields, IKubernetesObject<V1ObjectMeta> probe) =>
        _terms.Select(t => t.Field).FirstOrDefault(f => fields(probe, f) is null);

    public bool Matches(IKubernetesObject<V1ObjectMeta> obj, Func<IKubernetesObject<V1ObjectMeta>, string, string?> fields)
    {
        foreach (var (field, equal, value) in _terms)
        {
            if ((fields(obj, field) == value) != equal)
            {
                return false;
            }
        }

        return true;
    }

    private static (string? Field, bool Equal, string Value) SplitTerm(string term)
    {
        foreach (var (op, equal) in new[] { ("!=", false), ("==", true), ("=", true) })
        {
            var at = IndexOfUnescaped(term, op);
            if (at > 0)
            {
                return (term[..at].Trim(), equal, Unescape(term[(at + op.Length)..]));
            }
        }

        return (null, false, "");
    }

    private static int IndexOfUnescaped(string s, string token)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\')
            {
                i++;
                continue;
            }

            if (string.CompareOrdinal(s, i, token, 0, token.Length) == 0)
            {
                return i;
            }
        }

        return -1;
    }

    private static IEnumerable<string> SplitUnescaped(string s, char separator)
    {
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\')
            {
                i++;
            }
            else if (s[i] == separator)
            {
                yield return s[start..i];
                start = i + 1;
            }
        }

        yield return s[start..];
    }

    private static string Unescape(string s)
    {
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                i++;
            }

            sb.Append(s[i]);
        }

        return sb.ToString();
    }
}
