namespace Podvisor.Api.Selectors;

/// <summary>
/// A parsed label selector. Mirrors apimachinery labels.Parse: comma-separated requirements <c>k=v</c>, <c>k==v</c>,
/// <c>k!=v</c>, <c>k in (a,b)</c>, <c>k notin (a,b)</c>, <c>k</c> (exists), <c>!k</c> (does not exist), <c>k&gt;n</c>, <c>k&lt;n</c>.
/// </summary>
public sealed class LabelSelector
{
    public static readonly LabelSelector Everything = new([]);

    private readonly IReadOnlyList<Requirement> _requirements;

    private LabelSelector(IReadOnlyList<Requirement> requirements) => _requirements = requirements;

    private enum Operator
    {
        Equals,
        NotEquals,
        In,
        NotIn,
        Exists,
        DoesNotExist,
        GreaterThan,
        LessThan,
    }

    public bool IsEverything => _requirements.Count == 0;

    /// <summary>Parses a selector; an error message (as a value) when the text is not a valid selector.</summary>
    public static (LabelSelector? Selector, string? Error) Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (Everything, null);
        }

        var requirements = new List<Requirement>();
        foreach (var part in SplitTopLevel(text))
        {
            var (requirement, error) = ParseRequirement(part.Trim());
            if (requirement is null)
            {
                return (null, error);
            }

            requirements.Add(requirement);
        }

        return (new LabelSelector(requirements), null);
    }

    public bool Matches(IDictionary<string, string>? labels)
    {
        foreach (var r in _requirements)
        {
            if (!r.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Splits on commas outside parentheses.</summary>
    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            depth += text[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }

    private static (Requirement? Requirement, string? Error) ParseRequirement(string part)
    {
        if (part.Length == 0)
        {
            return (null, "found '', expected: identifier");
        }

        if (part.StartsWith('!'))
        {
            var key = part[1..].Trim();
            return IsKey(key) ? (new Requirement(key, Operator.DoesNotExist, []), null) : (null, $"invalid label key \"{key}\"");
        }

        foreach (var (token, op) in new[] { ("!=", Operator.NotEquals), ("==", Operator.Equals), ("=", Operator.Equals), (">", Operator.GreaterThan), ("<", Operator.LessThan) })
        {
            var at = part.IndexOf(token, StringComparison.Ordinal);
            if (at > 0)
            {
                return Build(part[..at].Trim(), op, [part[(at + token.Length)..].Trim()]);
            }
        }

        var words = part.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 1)
        {
            return Build(words[0], Operator.Exists, []);
        }

        return ParseSet(words[0], words[1]);
    }

    private static (Requirement?, string?) ParseSet(string key, string rest)
    {
        var op = rest.StartsWith("notin", StringComparison.Ordinal) ? Operator.NotIn : rest.StartsWith("in", StringComparison.Ordinal) ? Operator.In : (Operator?)null;
        if (op is null)
        {
            return (null, $"unable to parse requirement: found '{rest}', expected: in, notin, =, ==, !=, gt, lt");
        }

        var list = rest[(op == Operator.NotIn ? 5 : 2)..].Trim();
        if (!list.StartsWith('(') || !list.EndsWith(')'))
        {
            return (null, $"unable to parse requirement: found '{list}', expected: '('");
        }

        var values = list[1..^1].Split(',', StringSplitOptions.TrimEntries);
        return Build(key, op.Value, values);
    }

    private static (Requirement?, string?) Build(string key, Operator op, string[] values)
    {
        if (!IsKey(key))
        {
            return (null, $"unable to parse requirement: invalid label key \"{key}\"");
        }

        if (op is Operator.GreaterThan or Operator.LessThan && !long.TryParse(values[0], out _))
        {
            return (null, $"unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer");
        }

        return (new Requirement(key, op, values), null);
    }

    private static bool IsKey(string key) =>
        key.Length is > 0 and <= 317 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/');

    private sealed record Requirement(string Key, Operator Op, string[] Values)
    {
        public bool Matches(IDictionary<string, string>? labels)
        {
            string? value = null;
            var has = labels is not null && labels.TryGetValue(Key, out value);
            return Op switch
            {
                Operator.Equals or Operator.In => has && Values.Contains(value),
                Operator.NotEquals or Operator.NotIn => !has || !Values.Contains(value),
                Operator.Exists => has,
                Operator.DoesNotExist => !has,
                Operator.GreaterThan => has && long.TryParse(value, out var g) && g > long.Parse(Values[0], System.Globalization.CultureInfo.InvariantCulture),
                Operator.LessThan => has && long.TryParse(value, out var l) && l < long.Parse(Values[0], System.Globalization.CultureInfo.InvariantCulture),
                _ => throw new System.Diagnostics.UnreachableException(),
            };
        }
    }
}
