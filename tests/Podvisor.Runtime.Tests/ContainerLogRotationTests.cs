using System.IO.Compression;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Podvisor.Runtime.Process;

namespace Podvisor.Runtime.Tests;

/// <summary>Log rotation as the kubelet's container log manager does it (containerLogMaxSize, containerLogMaxFiles).</summary>
public sealed class ContainerLogRotationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("podvisor-rotation-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public async Task AGrowingLogKeepsMaxFilesFilesTheNewestRotatedOnePlainAndNoLineLostWithinThem(int maxFiles)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var path = Path.Combine(_dir, "0.log");
        var writer = new CriLogWriter(path, time, new ContainerLogRotation(1000, maxFiles), e => Assert.Fail(e.Message));
        for (var i = 0; i < 100; i++)
        {
            writer.Stdout.Write(Encoding.UTF8.GetBytes($"line {i:D3} {new string('x', 80)}\n"));
            time.Advance(TimeSpan.FromSeconds(1));
        }

        writer.Stdout.Complete();
        writer.Stderr.Complete();
        await writer.CleanUpDone;

        var rotated = ContainerLogRotation.Rotated(path);
        Assert.Equal(maxFiles - 1, rotated.Count);
        Assert.Matches(@"^0\.log\.20260101-\d{6}$", Path.GetFileName(rotated[^1]));
        Assert.All(rotated.SkipLast(1), f => Assert.EndsWith(".gz", f, StringComparison.Ordinal));
        Assert.True(new FileInfo(path).Length < 1000);

        // What is kept is the end of the output, in order, without a gap.
        var kept = rotated.Select(Read).Append(File.ReadAllText(path))
            .SelectMany(text => text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            .Select(line => int.Parse(line.Split(' ')[4], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(99, kept[^1]);
        Assert.Equal(Enumerable.Range(kept[0], kept.Count), kept);
    }

    [Fact]
    public async Task ASecondRotationWithinTheSameSecondWaitsForTheNextWriteAfterIt()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var path = Path.Combine(_dir, "0.log");
        var writer = new CriLogWriter(path, time, new ContainerLogRotation(100, 5), e => Assert.Fail(e.Message));
        for (var i = 0; i < 5; i++)
        {
            writer.Stdout.Write(Encoding.UTF8.GetBytes(new string('a', 150) + "\n"));
        }

        Assert.Single(ContainerLogRotation.Rotated(path));
        time.Advance(TimeSpan.FromSeconds(1));
        writer.Stdout.Write("b\n"u8);
        writer.Stdout.Complete();
        writer.Stderr.Complete();
        await writer.CleanUpDone;
        Assert.Equal(2, ContainerLogRotation.Rotated(path).Count);
        Assert.Equal(0, new FileInfo(path).Length);
    }

    [Fact]
    public void AFailingDiskDropsOutputAndReportsItOnce()
    {
        var failures = new List<Exception>();
        var writer = new CriLogWriter("/dev/full", TimeProvider.System, ContainerLogRotation.Default, failures.Add);
        for (var i = 0; i < 10; i++)
        {
            writer.Stdout.Write("lost\n"u8);
        }

        writer.Stdout.Complete();
        writer.Stderr.Complete();
        Assert.IsAssignableFrom<IOException>(Assert.Single(failures));
    }

    private static string Read(string file)
    {
        if (!file.EndsWith(".gz", StringComparison.Ordinal))
        {
            return File.ReadAllText(file);
        }

        using var gzip = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
        return new StreamReader(gzip).ReadToEnd();
    }
}
