using System.Globalization;
using System.Text;
using Podvisor.Api.Http;
using Podvisor.Core.Logs;

namespace Podvisor.Api.Logs;

/// <summary>
/// Turns CRI log lines into the bytes <c>kubectl logs</c> receives: partial lines joined, optional timestamp prefix on
/// the first chunk of each line, since filter per chunk, and a byte limit (kubelet ReadLogs + LimitWriter).
/// </summary>
internal sealed class LogFormatter(LogOptions options)
{
    private bool _atLineStart = true;
    private long _written;

    public bool LimitReached => options.LimitBytes is { } limit && _written >= limit;

    /// <summary>The output for one chunk (empty when filtered out).</summary>
    public byte[] Format(CriLogEntry line)
    {
        if (options.Since is { } since && line.Time < since)
        {
            return [];
        }

        var text = new StringBuilder();
        if (options.Timestamps && _atLineStart)
        {
            text.Append(Rfc3339Nano(line.Time)).Append(' ');
        }

        text.Append(line.Content);
        if (!line.Partial)
        {
            text.Append('\n');
        }

        _atLineStart = !line.Partial;
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        if (options.LimitBytes is { } limit && _written + bytes.Length > limit)
        {
            bytes = bytes.AsSpan(0, (int)Math.Max(0, limit - _written)).ToArray();
        }

        _written += bytes.Length;
        return bytes;
    }

    /// <summary>Go's RFC3339Nano: UTC, trailing fractional zeros trimmed (<c>2026-01-01T00:00:00.5Z</c>).</summary>
    public static string Rfc3339Nano(DateTimeOffset time)
    {
        var text = time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture).TrimEnd('0').TrimEnd('.');
        return text + "Z";
    }

    /// <summary>The chunks of the last <paramref name="tail"/> whole lines (a trailing partial line counts as one).</summary>
    public static IReadOnlyList<CriLogEntry> Tail(IReadOnlyList<CriLogEntry> lines, long tail)
    {
        if (tail < 0)
        {
            return lines;
        }

        var start = lines.Count;
        var seen = 0L;
        for (var i = lines.Count - 1; i >= 0; i--)
        {
            // Chunk i ends a logical line when it is a full chunk, or the trailing partial one.
            if (!lines[i].Partial || i == lines.Count - 1)
            {
                seen++;
                if (seen > tail)
                {
                    break;
                }
            }

            start = i;
        }

        return lines.Skip(start).ToList();
    }
}

/// <summary>The log subresource's query (core/v1 PodLogOptions).</summary>
internal sealed record LogOptions(string Container, bool Previous, bool Follow, long? TailLines, DateTimeOffset? Since, bool Timestamps, long? LimitBytes)
{
    /// <summary>The options, or the 422 of upstream ValidatePodLogOptions (NewInvalid of kind PodLogOptions).</summary>
    public static (LogOptions? Options, ApiError? Error) From(IQueryCollection query, DateTimeOffset now, string podName)
    {
        static long? Number(string? s) => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
        static bool Flag(string? s) => s is "true" or "1" or "True";
        var tailLines = Number(query["tailLines"]);
        var limitBytes = Number(query["limitBytes"]);
        var sinceSeconds = Number(query["sinceSeconds"]);
        DateTimeOffset? sinceTime = DateTimeOffset.TryParse(query["sinceTime"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
        var causes = new List<FieldCause>();
        if (tailLines < 0)
        {
            causes.Add(new FieldCause("FieldValueInvalid", $"Invalid value: {tailLines}: must be greater than or equal to 0", "tailLines"));
        }

        if (limitBytes < 1)
        {
            causes.Add(new FieldCause("FieldValueInvalid", $"Invalid value: {limitBytes}: must be greater than 0", "limitBytes"));
        }

        if (sinceSeconds is not null && sinceTime is not null)
        {
            causes.Add(new FieldCause("FieldValueForbidden", "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified", ""));
        }
        else if (sinceSeconds < 1)
        {
            causes.Add(new FieldCause("FieldValueInvalid", $"Invalid value: {sinceSeconds}: must be greater than 0", "sinceSeconds"));
        }

        if (causes.Count > 0)
        {
            var detail = string.Join(", ", causes.Select(c => c.Field.Length > 0 ? $"{c.Field}: {c.Message}" : c.Message));
            var message = $"PodLogOptions \"{podName}\" is invalid: {(causes.Count > 1 ? "[" + detail + "]" : detail)}";
            return (null, ApiError.Invalid("PodLogOptions", podName, message, causes));
        }

        // Any sinceSeconds the validation allows: beyond the clock's range means "from the beginning".
        var since = sinceSeconds is { } seconds ? (seconds >= (now - DateTimeOffset.MinValue).TotalSeconds ? DateTimeOffset.MinValue : now.AddSeconds(-seconds)) : sinceTime;
        return (new LogOptions(query["container"].ToString(), Flag(query["previous"]), Flag(query["follow"]), tailLines, since, Flag(query["timestamps"]), limitBytes), null);
    }
}
