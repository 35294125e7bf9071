using System.Globalization;
using System.IO.Compression;

namespace Podvisor.Runtime;

/// <summary>
/// Mirrors the kubelet's container log manager (pkg/kubelet/logs/container_log_manager.go) with its
/// <c>containerLogMaxSize</c> and <c>containerLogMaxFiles</c>: a log that reached <see cref="MaxSize"/> bytes is renamed
/// to <c>N.log.YYYYMMDD-hhmmss</c> and a new one started; of the rotated files only the newest stays uncompressed, the
/// others become <c>.gz</c>, and at most <see cref="MaxFiles"/> files exist per container instance, the current one
/// included. The kubelet checks every 10 s; the writer checks after every write, so a log never grows far past the limit.
/// </summary>
public sealed record ContainerLogRotation(long MaxSize, int MaxFiles)
{
    /// <summary>The kubelet's defaults: 10Mi and 5.</summary>
    public static ContainerLogRotation Default { get; } = new(10 * 1024 * 1024, 5);

    /// <summary>The kubelet's rotated-log suffix layout (Go "20060102-150405").</summary>
    private const string TimestampFormat = "yyyyMMdd-HHmmss";

    /// <summary>
    /// Renames <paramref name="path"/> to its rotated name; false when a file of that name exists already (rotated in
    /// the same second: the next write tries again).
    /// </summary>
    public static bool TryRotate(string path, DateTimeOffset now)
    {
        var rotated = path + "." + now.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);
        if (File.Exists(rotated) || File.Exists(rotated + ".gz"))
        {
            return false;
        }

        File.Move(path, rotated);
        return true;
    }

    /// <summary>
    /// Compresses every rotated file of <paramref name="path"/> but the newest and removes the oldest beyond
    /// <see cref="MaxFiles"/> (mirrors removeExcessLogs and compressUncompressedLogs).
    /// </summary>
    public void CleanUp(string path)
    {
        var rotated = Rotated(path);
        for (var i = 0; i < rotated.Count - (MaxFiles - 1); i++)
        {
            File.Delete(rotated[i]);
        }

        foreach (var file in Rotated(path).SkipLast(1).Where(f => !f.EndsWith(".gz", StringComparison.Ordinal)))
        {
            Compress(file);
        }
    }

    /// <summary>The rotated files of a log, oldest first (the timestamps sort as text).</summary>
    public static List<string> Rotated(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var prefix = Path.GetFileName(path) + ".";
        // The pattern "N.log.*" also matches "N.log" itself (Windows wildcard rules), hence the prefix check.
        return Directory.EnumerateFiles(directory, prefix + "*")
            .Where(f => Path.GetFileName(f).StartsWith(prefix, StringComparison.Ordinal) && !f.EndsWith(".tmp", StringComparison.Ordinal))
            .OrderBy(f => Path.GetFileName(f).Replace(".gz", "", StringComparison.Ordinal), StringComparer.Ordinal)
            .ToList();
    }

    private static void Compress(string file)
    {
        var temp = file + ".gz.tmp";
        using (var input = File.OpenRead(file))
        using (var output = new GZipStream(File.Create(temp), CompressionLevel.Fastest))
        {
            input.CopyTo(output);
        }

        File.Move(temp, file + ".gz", overwrite: true);
        File.Delete(file);
    }
}
