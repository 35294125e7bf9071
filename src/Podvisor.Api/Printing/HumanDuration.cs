using System.Globalization;

namespace Podvisor.Api.Printing;

/// <summary>Mirrors apimachinery util/duration.HumanDuration and the printers' translateTimestampSince.</summary>
public static class HumanDuration
{
    public static string Format(TimeSpan d)
    {
        // Go: int(d.Seconds()) truncates toward zero; up to 2 s in the future counts as "now".
        var seconds = (long)d.TotalSeconds;
        if (seconds < -1)
        {
            return "<invalid>";
        }

        if (seconds < 0)
        {
            return "0s";
        }

        if (seconds < 60 * 2)
        {
            return Invariant($"{seconds}s");
        }

        var minutes = (long)d.TotalMinutes;
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? Invariant($"{minutes}m") : Invariant($"{minutes}m{s}s");
        }

        if (minutes < 60 * 3)
        {
            return Invariant($"{minutes}m");
        }

        var hours = (long)d.TotalHours;
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? Invariant($"{hours}h") : Invariant($"{hours}h{m}m");
        }

        return FormatDays(hours);
    }

    /// <summary>translateTimestampSince: "&lt;unknown&gt;" for a zero (unset) timestamp.</summary>
    public static string Since(DateTime? timestamp, DateTimeOffset now) =>
        timestamp is { } t && t != default ? Format(now - new DateTimeOffset(AsUtc(t))) : "<unknown>";

    /// <summary>Kubernetes timestamps are UTC; a value without a kind is taken as UTC.</summary>
    public static DateTime AsUtc(DateTime t) => t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime();

    private static string FormatDays(long hours)
    {
        if (hours < 48)
        {
            return Invariant($"{hours}h");
        }

        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? Invariant($"{hours / 24}d") : Invariant($"{hours / 24}d{h}h");
        }

        if (hours < 24 * 365 * 2)
        {
            return Invariant($"{hours / 24}d");
        }

        if (hours < 24 * 365 * 8)
        {
            var dy = hours / 24 % 365;
            return dy == 0 ? Invariant($"{hours / 24 / 365}y") : Invariant($"{hours / 24 / 365}y{dy}d");
        }

        return Invariant($"{hours / 24 / 365}y");
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
