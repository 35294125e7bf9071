using System.Globalization;
using Podvisor.Runtime.Process.Native;

namespace Podvisor.Agent.Volumes;

/// <summary>One file of a configMap, secret, downwardAPI or projected volume: relative path, content, mode.</summary>
public sealed record VolumeFile(string Path, byte[] Content, UnixFileMode Mode);

/// <summary>
/// Mirrors the kubelet's AtomicWriter (pkg/volume/util/atomic_writer.go): the files live in a timestamped directory
/// <c>..YYYY_MM_DD_HH_MM_SS.N</c>, <c>..data</c> is a symlink to it, and each top-level name is a symlink into
/// <c>..data</c>. A new payload is written to a new directory and <c>..data</c> is swapped with one rename, so a
/// reader sees the old files or the new ones, never a mix; an unchanged payload writes nothing.
/// </summary>
internal static class AtomicWriter
{
    private const string DataLink = "..data";
    private const UnixFileMode DirectoryMode = (UnixFileMode)0b111_101_101; // 0755

    /// <summary>Writes <paramref name="payload"/> into <paramref name="targetDir"/>; false when it was already there.</summary>
    public static bool Write(string targetDir, IReadOnlyList<VolumeFile> payload, DateTimeOffset now)
    {
        Directory.CreateDirectory(targetDir);
        var dataLink = Path.Combine(targetDir, DataLink);
        var oldDir = new FileInfo(dataLink).LinkTarget is { } link ? Path.Combine(targetDir, link) : null;
        if (oldDir is not null && Holds(oldDir, payload))
        {
            return false;
        }

        var newDir = CreateTimestampedDirectory(targetDir, now);
        foreach (var file in payload)
        {
            var path = Path.Combine(newDir, file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, file.Content);
            File.SetUnixFileMode(path, file.Mode);
        }

        var tmpLink = Path.Combine(targetDir, DataLink + "_tmp");
        File.Delete(tmpLink);
        File.CreateSymbolicLink(tmpLink, Path.GetFileName(newDir));
        if (Libc.rename(tmpLink, dataLink) != 0)
        {
            throw new IOException($"rename {tmpLink}: {Libc.Describe(Libc.Errno)}");
        }

        var visible = payload.Select(f => f.Path.Split('/')[0]).ToHashSet(StringComparer.Ordinal);
        foreach (var name in visible)
        {
            var path = Path.Combine(targetDir, name);
            if (new FileInfo(path).LinkTarget is null)
            {
                File.CreateSymbolicLink(path, Path.Combine(DataLink, name));
            }
        }

        foreach (var entry in Directory.EnumerateFileSystemEntries(targetDir))
        {
            var name = Path.GetFileName(entry);
            if (!name.StartsWith("..", StringComparison.Ordinal) && !visible.Contains(name))
            {
                File.Delete(entry);
            }
        }

        if (oldDir is not null && Directory.Exists(oldDir))
        {
            Directory.Delete(oldDir, recursive: true);
        }

        return true;
    }

    /// <summary>True when <paramref name="dir"/> holds exactly the payload's files, contents and modes.</summary>
    private static bool Holds(string dir, IReadOnlyList<VolumeFile> payload)
    {
        if (!Directory.Exists(dir)
            || Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Count() != payload.Count)
        {
            return false;
        }

        return payload.All(f =>
        {
            var path = Path.Combine(dir, f.Path);
            return File.Exists(path) && File.GetUnixFileMode(path) == f.Mode && File.ReadAllBytes(path).AsSpan().SequenceEqual(f.Content);
        });
    }

    private static string CreateTimestampedDirectory(string targetDir, DateTimeOffset now)
    {
        var prefix = ".." + now.UtcDateTime.ToString("yyyy_MM_dd_HH_mm_ss.", CultureInfo.InvariantCulture);
        while (true)
        {
            var path = Path.Combine(targetDir, prefix + Random.Shared.Next(0, int.MaxValue).ToString(CultureInfo.InvariantCulture));
            if (!Directory.Exists(path))
            {
                Directory.CreateDirectory(path);
                File.SetUnixFileMode(path, DirectoryMode);
                return path;
            }
        }
    }
}
