namespace Podvisor.Core;

/// <summary>
/// Files that hold secrets (the store and its WAL, the kubeconfig's token, the serving key, the runtime's records of
/// containers and their env): mode 0600 from the first byte, never widened by the umask or chmod'ed afterwards.
/// </summary>
public static class PrivateFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates an empty 0600 file if there is none; an existing one (from an older version) is narrowed to 0600.</summary>
    public static void Touch(string path)
    {
        if (File.Exists(path))
        {
            Restrict(path);
            return;
        }

        try
        {
            using var created = new FileStream(path, Options(FileMode.CreateNew));
        }
        catch (IOException) when (File.Exists(path))
        {
            Restrict(path);
        }
    }

    /// <summary>
    /// Writes a 0600 temporary file, flushes it to disk (unless <paramref name="durable"/> is false: the runtime's
    /// records, written behind, trade that for speed) and renames it over <paramref name="path"/>.
    /// </summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content, bool durable = true)
    {
        var temp = path + ".tmp";
        File.Delete(temp);
        using (var stream = new FileStream(temp, Options(FileMode.CreateNew)))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: durable);
        }

        File.Move(temp, path, overwrite: true);
    }

    private static FileStreamOptions Options(FileMode mode)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        return options;
    }

    private static void Restrict(string path)
    {
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & ~OwnerOnly) != 0)
        {
            File.SetUnixFileMode(path, OwnerOnly);
        }
    }
}
