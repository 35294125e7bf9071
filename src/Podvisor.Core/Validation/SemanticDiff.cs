using System.Collections;
using System.Reflection;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Podvisor.Core.Validation;

/// <summary>
/// Field-by-field comparison of Kubernetes model objects, like apiequality.Semantic.DeepEqual: a null list or map
/// equals an empty one, quantities compare by value. Returns the differing JSON paths with both values, which
/// serves as the short diff in update errors.
/// </summary>
public static class SemanticDiff
{
    /// <summary>The differences between <paramref name="oldValue"/> and <paramref name="newValue"/>, as <c>path: old -> new</c>.</summary>
    public static IReadOnlyList<string> Compare(object? oldValue, object? newValue, string path)
    {
        var diffs = new List<string>();
        CompareInto(oldValue, newValue, path, diffs);
        return diffs;
    }

    private static void CompareInto(object? a, object? b, string path, List<string> diffs)
    {
        switch (a ?? b)
        {
            case null:
                return;
            case string or IntOrString:
                AddIf(TextOf(a) != TextOf(b), a, b, path, diffs);
                return;
            case ResourceQuantity:
                AddIf((a as ResourceQuantity)?.ToDecimal() != (b as ResourceQuantity)?.ToDecimal(), a, b, path, diffs);
                return;
            case IDictionary:
                CompareMaps(a as IDictionary, b as IDictionary, path, diffs);
                return;
            case IList:
                CompareLists(a as IList, b as IList, path, diffs);
                return;
        }

        var type = (a ?? b)!.GetType();
        if (a is null || b is null || !IsModel(type))
        {
            AddIf(!Equals(a, b), a, b, path, diffs);
            return;
        }

        foreach (var property in type.GetProperties())
        {
            if (property.GetCustomAttribute<JsonPropertyNameAttribute>() is { } name)
            {
                CompareInto(property.GetValue(a), property.GetValue(b), $"{path}.{name.Name}", diffs);
            }
        }
    }

    private static void CompareLists(IList? a, IList? b, string path, List<string> diffs)
    {
        var countA = a?.Count ?? 0;
        var countB = b?.Count ?? 0;
        if (countA != countB)
        {
            diffs.Add($"{path}: {countA} items -> {countB} items");
            return;
        }

        for (var i = 0; i < countA; i++)
        {
            CompareInto(a![i], b![i], $"{path}[{i}]", diffs);
        }
    }

    private static void CompareMaps(IDictionary? a, IDictionary? b, string path, List<string> diffs)
    {
        var keys = (a?.Keys.Cast<object>() ?? []).Concat(b?.Keys.Cast<object>() ?? []).Select(k => k.ToString()!).Distinct().Order(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var va = a is not null && a.Contains(key) ? a[key] : null;
            var vb = b is not null && b.Contains(key) ? b[key] : null;
            CompareInto(va, vb, $"{path}[{key}]", diffs);
        }
    }

    private static string? TextOf(object? value) => value switch
    {
        null => "",
        IntOrString ios => ios.Value,
        _ => value.ToString(),
    };

    private static bool IsModel(Type type) => type.Namespace == "k8s.Models";

    private static void AddIf(bool differs, object? a, object? b, string path, List<string> diffs)
    {
        if (differs)
        {
            diffs.Add($"{path}: {Render(a)} -> {Render(b)}");
        }
    }

    private static string Render(object? value) => value is null ? "null" : KubernetesJson.Serialize(value);
}
