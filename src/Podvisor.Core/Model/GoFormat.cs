using System.Globalization;
using System.Text;
using k8s.Models;

namespace Podvisor.Core.Model;

/// <summary>Values rendered the way the kubelet's and apiserver's Go code prints them, for byte-identical messages.</summary>
public static class GoFormat
{
    /// <summary>Mirrors kubelet format.Pod: <c>name_namespace(uid)</c>.</summary>
    public static string Pod(V1Pod pod) => $"{pod.Metadata?.Name}_{pod.Metadata?.NamespaceProperty}({pod.Metadata?.Uid})";

    /// <summary>Mirrors Go's strconv.Quote (the %q verb): printable runes kept, others escaped.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var rune in s.EnumerateRunes())
        {
            AppendQuotedRune(sb, rune);
        }

        return sb.Append('"').ToString();
    }

    private static void AppendQuotedRune(StringBuilder sb, Rune rune)
    {
        switch (rune.Value)
        {
            case '"': sb.Append("\\\""); return;
            case '\\': sb.Append("\\\\"); return;
            case '\a': sb.Append("\\a"); return;
            case '\b': sb.Append("\\b"); return;
            case '\f': sb.Append("\\f"); return;
            case '\n': sb.Append("\\n"); return;
            case '\r': sb.Append("\\r"); return;
            case '\t': sb.Append("\\t"); return;
            case '\v': sb.Append("\\v"); return;
        }

        if (rune.Value < 0x20 || rune.Value == 0x7f)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\\x{rune.Value:x2}");
        }
        else if (rune.Value >= 0x80 && !IsPrintable(rune))
        {
            sb.Append(rune.Value > 0xffff ? $"\\U{rune.Value:x8}" : $"\\u{rune.Value:x4}");
        }
        else
        {
            sb.Append(rune.ToString());
        }
    }

    private static bool IsPrintable(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.SpaceSeparator => false,
        _ => true,
    };
}
