using System.Globalization;
using System.Text;
using k8s.Models;

namespace Podvisor.Core.Model;

/// <summary>Values rendered the way the kubelet's and apiserver's Go code prints them, for byte-identical messages.</summary>
public static class GoFormat
{
    /// <summary>Mirrors kubelet format.Pod: <c>name_namespace(uid)</c>.</summary>
    public static string Pod(V1Pod pod) => $"{pod.Metadata?.Name}_{pod.Metadata?.NamespaceProperty}({pod.Metadata?.Uid})";

    /// <summary>Mirrors Go's time.Duration.String (the %v verb): <c>0s</c>, <c>313ms</c>, <c>1.234s</c>, <c>2m3.5s</c>, <c>1h0m0s</c>.</summary>
    public static string Duration(TimeSpan d)
    {
        if (d < TimeSpan.Zero)
        {
            return "-" + Duration(-d);
        }

        if (d < TimeSpan.FromSeconds(1))
        {
            return d.Ticks == 0 ? "0s"
                : d.Ticks < TimeSpan.TicksPerMicrosecond ? $"{d.Ticks * 100}ns"
                : d.Ticks < TimeSpan.TicksPerMillisecond ? Fraction(d.Ticks, TimeSpan.TicksPerMicrosecond) + "µs"
                : Fraction(d.Ticks, TimeSpan.TicksPerMillisecond) + "ms";
        }

        var seconds = Fraction(d.Ticks % TimeSpan.TicksPerMinute, TimeSpan.TicksPerSecond) + "s";
        var hours = d.Ticks / TimeSpan.TicksPerHour;
        var minutes = d.Ticks / TimeSpan.TicksPerMinute % 60;
        return hours > 0 ? $"{hours}h{minutes}m{seconds}" : minutes > 0 ? $"{minutes}m{seconds}" : seconds;
    }

    /// <summary><paramref name="ticks"/> in <paramref name="unit"/>s, with the fraction's trailing zeros dropped.</summary>
    private static string Fraction(long ticks, long unit)
    {
        var whole = (ticks / unit).ToString(CultureInfo.InvariantCulture);
        var rest = ticks % unit;
        if (rest == 0)
        {
            return whole;
        }

        var digits = (int)Math.Log10(unit);
        return whole + "." + rest.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
    }

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
