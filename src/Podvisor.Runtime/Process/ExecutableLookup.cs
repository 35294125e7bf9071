namespace Podvisor.Runtime.Process;

/// <summary>
/// Mirrors Go's exec.LookPath as runc uses it: argv[0] with a slash is used as given; otherwise it is searched in the
/// container's PATH (not the agent's). Failures carry runc's wording.
/// </summary>
internal static class ExecutableLookup
{
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>The path to exec. Throws <see cref="SpawnFailure"/> with runc's message when there is none.</summary>
    public static string Resolve(string file, string? pathVariable, string? workingDir)
    {
        if (file.Contains('/'))
        {
            var full = Path.IsPathRooted(file) ? file : Path.Combine(workingDir ?? "/", file);
            if (!File.Exists(full) && !Directory.Exists(full))
            {
                throw new SpawnFailure($"exec: \"{file}\": stat {file}: no such file or directory");
            }

            return IsExecutable(full) ? file : throw new SpawnFailure($"exec: \"{file}\": permission denied");
        }

        foreach (var dir in (pathVariable ?? DefaultPath).Split(':'))
        {
            var candidate = Path.Combine(dir.Length == 0 ? "." : dir, file);
            var full = Path.IsPathRooted(candidate) ? candidate : Path.Combine(workingDir ?? "/", candidate);
            if (IsExecutable(full))
            {
                return candidate;
            }
        }

        throw new SpawnFailure($"exec: \"{file}\": executable file not found in $PATH");
    }

    /// <summary>The value of PATH in <paramref name="env"/> (<c>KEY=VALUE</c> entries), or null.</summary>
    public static string? PathOf(IReadOnlyList<string> env)
    {
        for (var i = env.Count - 1; i >= 0; i--)
        {
            if (env[i].StartsWith("PATH=", StringComparison.Ordinal))
            {
                return env[i][5..];
            }
        }

        return null;
    }

    private static bool IsExecutable(string path) =>
        File.Exists(path) && (File.GetUnixFileMode(path) & AnyExecute) != 0;
}
