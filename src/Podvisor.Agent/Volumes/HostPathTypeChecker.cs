using k8s.Models;
using Podvisor.Runtime.Process.Native;

namespace Podvisor.Agent.Volumes;

/// <summary>Mirrors the kubelet's hostPath type checker (pkg/volume/hostpath/host_path.go checkType).</summary>
internal static class HostPathTypeChecker
{
    /// <summary>Creates DirectoryOrCreate/FileOrCreate paths; throws <see cref="VolumeSetupException"/> on a mismatch.</summary>
    public static void Check(V1HostPathVolumeSource hostPath)
    {
        var path = hostPath.Path;
        var kind = hostPath.Type ?? "";
        if (kind.Length == 0)
        {
            return; // no check; a missing path becomes a directory at mount
        }

        var type = Libc.FileType(path);
        if (type is null && kind == "DirectoryOrCreate")
        {
            Directory.CreateDirectory(path);
            type = Libc.S_IFDIR;
        }
        else if (type is null && kind == "FileOrCreate")
        {
            CreateFile(path);
            type = Libc.S_IFREG;
        }

        var expected = kind switch
        {
            "Directory" or "DirectoryOrCreate" => Libc.S_IFDIR,
            "File" or "FileOrCreate" => Libc.S_IFREG,
            "Socket" => Libc.S_IFSOCK,
            "CharDevice" => Libc.S_IFCHR,
            "BlockDevice" => Libc.S_IFBLK,
            _ => throw new VolumeSetupException($"hostPath type check failed: unknown type \"{kind}\""),
        };
        if (type != expected)
        {
            throw new VolumeSetupException($"hostPath type check failed: {path} is not {Describe(expected)}");
        }
    }

    /// <summary>FileOrCreate: an empty 0644 file; like the kubelet, parent directories are not created.</summary>
    private static void CreateFile(string path)
    {
        try
        {
            new FileStream(path, FileMode.CreateNew, FileAccess.Write).Dispose();
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VolumeSetupException($"hostPath type check failed: {path}: {e.Message}", e);
        }
    }

    private static string Describe(uint type) => type switch
    {
        Libc.S_IFDIR => "a directory",
        Libc.S_IFREG => "a file",
        Libc.S_IFSOCK => "a socket file",
        Libc.S_IFCHR => "a character device",
        Libc.S_IFBLK => "a block device",
        _ => throw new System.Diagnostics.UnreachableException(),
    };
}
