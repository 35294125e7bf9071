using System.Buffers;
using System.Text;
using CsCheck;
using Podvisor.Core.Logs;
using Podvisor.Runtime.Process;

namespace Podvisor.Runtime.Tests;

/// <summary>The CRI log format: formatting, parsing, tails, and the line splitter (containerd redirectLogs).</summary>
public sealed class CriLogTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("podvisor-crilog-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Write_IsCriWithNanosecondTimestamp()
    {
        Assert.Equal("2026-01-01T00:00:00.000000000Z stdout F hello", Format(T0, CriLogStream.Stdout, false, "hello"));
        Assert.Equal("2026-01-01T00:00:00.123456700Z stderr P x", Format(T0.AddTicks(1234567), CriLogStream.Stderr, true, "x"));
    }

    [Theory]
    [InlineData("2026-01-01T00:00:00.000000000Z stdout F hello world", CriLogStream.Stdout, false, "hello world")]
    [InlineData("2026-01-01T00:00:00Z stderr P ", CriLogStream.Stderr, true, "")]
    [InlineData("2016-10-06T00:17:09.669794202Z stdout F:x y", CriLogStream.Stdout, false, "y")]
    [InlineData("2016-10-06T00:17:09.669794Z stdout P:x y", CriLogStream.Stdout, true, "y")]
    public void TryParse_AcceptsRfc3339NanoRecords(string line, CriLogStream stream, bool partial, string content)
    {
        Assert.True(CriLog.TryParse(line, out var entry));
        Assert.Equal(stream, entry.Stream);
        Assert.Equal(partial, entry.Partial);
        Assert.Equal(content, entry.Content);
    }

    [Fact]
    public void TryParse_KeepsNanosecondsToTheTick()
    {
        Assert.True(CriLog.TryParse("2016-10-06T00:17:09.669794202Z stdout F a", out var entry));
        Assert.Equal(new DateTimeOffset(2016, 10, 6, 0, 17, 9, TimeSpan.Zero).AddTicks(6697942), entry.Time);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("2026-01-01T00:00:00Z stdin F x")]
    [InlineData("not-a-time stdout F x")]
    [InlineData("2026-01-01T00:00:00Z stdout")]
    public void TryParse_RejectsMalformedLines(string line) => Assert.False(CriLog.TryParse(line, out _));

    [Fact]
    public void Parse_RoundTripsWrite() =>
        Gen.String.Where(s => !s.Contains('\n')).Select(Gen.Bool).Sample((content, partial) =>
        {
            Assert.True(CriLog.TryParse(Format(T0, CriLogStream.Stderr, partial, content), out var entry));
            Assert.Equal((T0, CriLogStream.Stderr, partial, content), (entry.Time, entry.Stream, entry.Partial, entry.Content));
        });

    /// <summary>Whatever the chunking, the records reassemble to the output, and no record exceeds 16 KiB.</summary>
    [Fact]
    public void Writer_ReassemblesAnyChunking() =>
        Gen.OneOf(Gen.Const("a"), Gen.Const("b\n"), Gen.Const("\n"), Gen.Const(new string('x', 5000)), Gen.Const(new string('y', 16384) + "\n")).Array[0, 12]
            .Select(Gen.Int[1, 20000])
            .Sample((pieces, chunk) =>
            {
                var text = string.Concat(pieces);
                var path = Path.Combine(_dir, Guid.NewGuid() + ".log");
                var writer = new CriLogWriter(path, TimeProvider.System, ContainerLogRotation.Default, _ => { });
                var bytes = Encoding.UTF8.GetBytes(text);
                for (var at = 0; at < bytes.Length; at += chunk)
                {
                    writer.Stdout.Write(bytes.AsSpan(at, Math.Min(chunk, bytes.Length - at)));
                }

                writer.Stdout.Complete();
                writer.Stderr.Complete();
                var entries = CriLog.ReadEntries(path).ToList();
                Assert.Equal(text, string.Concat(entries.Select(e => e.Text)));
                Assert.All(entries, e => Assert.True(Encoding.UTF8.GetByteCount(e.Content) <= CriLog.MaxLineBytes));
                Assert.All(entries.SkipLast(1), e => Assert.True(!e.Partial || e.Content.Length == CriLog.MaxLineBytes));
            }, iter: 200);

    [Fact]
    public void Writer_SplitsLongLinesAndTagsTheUnterminatedTail()
    {
        var path = Path.Combine(_dir, "split.log");
        var writer = new CriLogWriter(path, TimeProvider.System, ContainerLogRotation.Default, _ => { });
        writer.Stdout.Write(Encoding.UTF8.GetBytes(new string('a', 20000) + "\r\nend"));
        writer.Stderr.Write("err\n"u8);
        writer.Stdout.Complete();
        writer.Stderr.Complete();

        var entries = CriLog.ReadEntries(path).Select(e => (e.Stream, e.Partial, e.Content.Length > 20 ? e.Content.Length.ToString() : e.Content)).ToList();
        Assert.Equal([
            (CriLogStream.Stdout, true, "16384"),
            (CriLogStream.Stdout, false, "3616"), // the \r before the newline is dropped, as containerd does
            (CriLogStream.Stderr, false, "err"),
            (CriLogStream.Stdout, true, "end"),
        ], entries);
    }

    [Theory]
    [InlineData(100, 80, 2048, 21, 100)]
    [InlineData(3, 80, 2048, 1, 3)]
    [InlineData(500, 80, 64, -1, 500)]
    public void ReadTail_KeepsTheLastLinesThenTheLastBytes(int lines, int maxLines, int maxBytes, int firstLine, int lastLine)
    {
        var path = Path.Combine(_dir, "tail.log");
        File.WriteAllLines(path, Enumerable.Range(1, lines).Select(i => Format(T0, CriLogStream.Stdout, false, $"line {i}")));

        var tail = CriLog.ReadTail(path, maxLines, maxBytes);

        Assert.EndsWith($"line {lastLine}\n", tail);
        Assert.True(Encoding.UTF8.GetByteCount(tail) <= maxBytes);
        if (firstLine > 0)
        {
            Assert.StartsWith($"line {firstLine}\n", tail);
        }
    }

    [Fact]
    public void ReadTail_OfAMissingFileIsEmpty() => Assert.Equal("", CriLog.ReadTail(Path.Combine(_dir, "none"), 80, 2048));

    /// <summary>One record as <see cref="CriLog.Write"/> appends it, without its newline.</summary>
    private static string Format(DateTimeOffset time, CriLogStream stream, bool partial, string content)
    {
        var output = new ArrayBufferWriter<byte>();
        CriLog.Write(output, time, stream, partial, Encoding.UTF8.GetBytes(content));
        return Encoding.UTF8.GetString(output.WrittenSpan)[..^1];
    }
}
