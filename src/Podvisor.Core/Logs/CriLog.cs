using System.Buffers;
using System.Globalization;
using System.Text;

namespace Podvisor.Core.Logs;

/// <summary>The stream a CRI log record came from.</summary>
public enum CriLogStream
{
    Stdout,
    Stderr,
}

/// <summary>One record of a CRI log file. <see cref="Partial"/> records continue on the next record (no newline).</summary>
public readonly record struct CriLogEntry(DateTimeOffset Time, CriLogStream Stream, bool Partial, string Content)
{
    /// <summary>The text this record contributes to the container's output: its content, plus a newline unless partial.</summary>
    public string Text => Partial ? Content : Content + "\n";
}

/// <summary>
/// The CRI container log format, as containerd writes it (pkg/cri/io/logger.go) and the kubelet reads it
/// (pkg/kubelet/kuberuntime/logs parseCRILog): <c>TIMESTAMP STREAM TAG CONTENT</c>, one record per line, where the
/// timestamp is RFC 3339 with nanoseconds, STREAM is <c>stdout</c> or <c>stderr</c> and TAG is <c>F</c> (full line) or
/// <c>P</c> (partial: a line longer than <see cref="MaxLineBytes"/>, or output that ended without a newline).
/// </summary>
public static class CriLog
{
    /// <summary>containerd's default max_container_log_line_size: longer lines are split into P records.</summary>
    public const int MaxLineBytes = 16 * 1024;

    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'00Z'";
    private static readonly byte[] StdoutTag = "stdout"u8.ToArray();
    private static readonly byte[] StderrTag = "stderr"u8.ToArray();

    /// <summary>Fixed-width RFC 3339 nanosecond timestamp, e.g. <c>2026-01-01T00:00:00.000000000Z</c>.</summary>
    public static string FormatTimestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    /// <summary>Appends one record (terminated by a newline) to <paramref name="output"/>.</summary>
    public static void Write(IBufferWriter<byte> output, DateTimeOffset time, CriLogStream stream, bool partial, ReadOnlySpan<byte> content)
    {
        var header = output.GetSpan(48);
        var written = Encoding.ASCII.GetBytes(FormatTimestamp(time), header);
        header[written++] = (byte)' ';
        (stream == CriLogStream.Stdout ? StdoutTag : StderrTag).CopyTo(header[written..]);
        written += 6;
        header[written++] = (byte)' ';
        header[written++] = partial ? (byte)'P' : (byte)'F';
        header[written++] = (byte)' ';
        output.Advance(written);
        output.Write(content);
        output.Write("\n"u8);
    }

    /// <summary>Mirrors kubelet parseCRILog: parses one record (without its newline); false for a malformed line.</summary>
    public static bool TryParse(string line, out CriLogEntry entry)
    {
        entry = default;
        var span = line.AsSpan().TrimEnd('\n');
        if (!TryCut(ref span, out var timestamp) || !TryParseTimestamp(timestamp, out var time) ||
            !TryCut(ref span, out var streamText) || !TryCut(ref span, out var tags, allowEnd: true))
        {
            return false;
        }

        CriLogStream stream;
        if (streamText.SequenceEqual("stdout"))
        {
            stream = CriLogStream.Stdout;
        }
        else if (streamText.SequenceEqual("stderr"))
        {
            stream = CriLogStream.Stderr;
        }
        else
        {
            return false;
        }

        var firstTag = tags.IndexOf(':') is var colon and >= 0 ? tags[..colon] : tags;
        entry = new CriLogEntry(time, stream, firstTag.SequenceEqual("P"), span.ToString());
        return true;
    }

    /// <summary>Parses RFC 3339 timestamps with up to nine fractional digits (RFC3339Nano, trailing zeros optional).</summary>
    public static bool TryParseTimestamp(ReadOnlySpan<char> text, out DateTimeOffset time)
    {
        // .NET parses at most seven fractional digits; drop the nanosecond digits beyond 100 ns precision.
        var dot = text.IndexOf('.');
        var zone = text.LastIndexOfAny('Z', '+', '-');
        if (dot > 0 && zone > dot && zone - dot - 1 > 7)
        {
            text = string.Concat(text[..(dot + 8)], text[zone..]);
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
    }

    /// <summary>Every well-formed record of a log file, in order; malformed lines are skipped. Empty if absent.</summary>
    public static IEnumerable<CriLogEntry> ReadEntries(string path)
    {
        if (!File.Exists(path))
        {
            yield break;
        }

        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        while (reader.ReadLine() is { } line)
        {
            if (TryParse(line, out var entry))
            {
                yield return entry;
            }
        }
    }

    /// <summary>
    /// Mirrors kubelet readLastStringFromContainerLogs: the last <paramref name="maxLines"/> lines of the output,
    /// then only its last <paramref name="maxBytes"/> bytes (the tail is kept). Reads only the end of the file.
    /// </summary>
    public static string ReadTail(string path, int maxLines, int maxBytes)
    {
        var text = ReadWindow(path, Math.Max(64 * 1024, maxBytes * 4));
        var start = text.Length;
        for (var lines = 0; start > 0 && lines < maxLines; lines++)
        {
            // Each step moves start to the beginning of the line ending at start (the last line may lack its newline).
            start = start >= 2 ? text.LastIndexOf('\n', start - 2) + 1 : 0;
        }

        var bytes = Encoding.UTF8.GetBytes(text[start..]);
        return bytes.Length <= maxBytes ? Encoding.UTF8.GetString(bytes) : Encoding.UTF8.GetString(bytes.AsSpan(bytes.Length - maxBytes));
    }

    private static string ReadWindow(string path, int windowBytes)
    {
        if (!File.Exists(path))
        {
            return "";
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var skipFirst = file.Length > windowBytes;
        file.Seek(Math.Max(0, file.Length - windowBytes), SeekOrigin.Begin);
        using var reader = new StreamReader(file);
        if (skipFirst)
        {
            reader.ReadLine(); // the window may start inside a record
        }

        var output = new StringBuilder();
        while (reader.ReadLine() is { } line)
        {
            if (TryParse(line, out var entry))
            {
                output.Append(entry.Text);
            }
        }

        return output.ToString();
    }

    private static bool TryCut(ref ReadOnlySpan<char> rest, out ReadOnlySpan<char> field, bool allowEnd = false)
    {
        var space = rest.IndexOf(' ');
        if (space < 0)
        {
            field = rest;
            rest = [];
            return allowEnd && !field.IsEmpty;
        }

        field = rest[..space];
        rest = rest[(space + 1)..];
        return true;
    }
}
