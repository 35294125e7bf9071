using System.Globalization;
using System.Text;

namespace Podvisor.Core.Model;

/// <summary>
/// Mirrors Go's <c>time.Duration.String</c>, the format the kubelet puts into messages such as
/// <c>back-off 20s restarting failed container=app pod=p_ns(uid)</c>: <c>0s</c>, <c>1.5s</c>, <c>1m20s</c>, <c>5m0s</c>,
/// <c>1h0m0s</c>; below one second the largest fitting unit of <c>ms</c>, <c>µs</c> or <c>ns</c> (<c>1.5ms</c>).
/// </summary>
public static class GoDuration
{
    private static readonly UInt128 NanosPerTick = 100;
    private static readonly UInt128 Microsecond = 1_000;
    private static readonly UInt128 Millisecond = 1_000_000;
    private static readonly UInt128 Second = 1_000_000_000;

    public static string Format(TimeSpan duration)
    {
        // TimeSpan.MinValue cannot be negated as ticks; Go has the same asymmetry and handles it through uint64.
        var negative = duration < TimeSpan.Zero;
        var ticks = negative ? (UInt128)(ulong)(-(duration.Ticks + 1)) + 1 : (ulong)duration.Ticks;
        var text = FormatNanoseconds(ticks * NanosPerTick);
        return negative ? "-" + text : text;
    }

    private static string FormatNanoseconds(UInt128 ns)
    {
        if (ns == 0)
        {
            return "0s";
        }

        if (ns < Second)
        {
            var (unit, precision) = ns < Microsecond ? ("ns", 0) : ns < Millisecond ? ("µs", 3) : ("ms", 6);
            return WithFraction(ns, precision) + unit;
        }

        var seconds = ns / Second;
        var text = new StringBuilder();
        var hours = seconds / 3600;
        var minutes = seconds / 60 % 60;
        if (hours > 0)
        {
            text.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        }

        if (hours > 0 || minutes > 0)
        {
            text.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        }

        // Go formats the seconds with their nine-digit fraction and drops trailing zeros.
        text.Append(WithFraction(ns % (60 * Second), 9)).Append('s');
        return text.ToString();
    }

    /// <summary>Mirrors Go fmtFrac + fmtInt: value / 10^precision with trailing fraction zeros (and the dot) omitted.</summary>
    private static string WithFraction(UInt128 value, int precision)
    {
        UInt128 scale = 1;
        for (var i = 0; i < precision; i++)
        {
            scale *= 10;
        }

        var whole = (value / scale).ToString(CultureInfo.InvariantCulture);
        if (precision == 0)
        {
            return whole;
        }

        var fraction = (value % scale).ToString(CultureInfo.InvariantCulture).PadLeft(precision, '0').TrimEnd('0');
        return fraction.Length == 0 ? whole : whole + "." + fraction;
    }

    /// <summary>Mirrors Go's time.ParseDuration: e.g. <c>300ms</c>, <c>1.5h</c>, <c>2h45m</c>; units ns, us, µs, ms, s, m, h.</summary>
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var s = text.AsSpan().Trim();
        var negative = s.Length > 0 && s[0] == '-';
        if (s.Length > 0 && s[0] is '-' or '+')
        {
            s = s[1..];
        }

        if (s.SequenceEqual("0"))
        {
            return true;
        }

        if (s.IsEmpty)
        {
            return false;
        }

        double ticks = 0;
        while (!s.IsEmpty)
        {
            if (!TryParseComponent(ref s, out var componentTicks))
            {
                return false;
            }

            ticks += componentTicks;
        }

        duration = TimeSpan.FromTicks((long)(negative ? -ticks : ticks));
        return true;
    }

    /// <summary>Reads one number and its unit (<c>1.5h</c>) off the start of <paramref name="s"/>, as ticks.</summary>
    private static bool TryParseComponent(ref ReadOnlySpan<char> s, out double ticks)
    {
        ticks = 0;
        var n = 0;
        while (n < s.Length && (char.IsAsciiDigit(s[n]) || s[n] == '.'))
        {
            n++;
        }

        var u = n;
        while (u < s.Length && !char.IsAsciiDigit(s[u]) && s[u] != '.')
        {
            u++;
        }

        if (n == 0 || !double.TryParse(s[..n], System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        if (UnitTicks(s[n..u]) is not { } unit)
        {
            return false;
        }

        ticks = value * unit;
        s = s[u..];
        return true;
    }

    /// <summary>The ticks in one of a Go duration's units; null for any other text.</summary>
    private static double? UnitTicks(ReadOnlySpan<char> unit) => unit switch
    {
        "ns" => 0.01,
        "us" or "µs" or "μs" => 10,
        "ms" => TimeSpan.TicksPerMillisecond,
        "s" => TimeSpan.TicksPerSecond,
        "m" => TimeSpan.TicksPerMinute,
        "h" => TimeSpan.TicksPerHour,
        _ => null,
    };
}
