using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Serve;

/// <summary>
/// Mounts a serve left under a test's directory when the test failed half-way (e.g. a projected volume's tmpfs, such as
/// the ServiceAccount token's): without unmounting them the directory cannot be removed and the failure is masked.
/// </summary>
internal static class LeftoverMounts
{
    /// <summary>Lazily unmounts every mount at or under <paramref name="root"/>, deepest first (best effort).</summary>
    public static void UnmountUnder(string root)
    {
        var prefix = root.TrimEnd('/') + "/";
        var targets = File.ReadAllLines("/proc/self/mounts")
            .Select(line => line.Split(' ')[1].Replace("\\040", " ", StringComparison.Ordinal))
            .Where(target => target.StartsWith(prefix, StringComparison.Ordinal))
            .OrderByDescending(target => target.Length);
        foreach (var target in targets)
        {
            HostProcess.Run("umount", "-l", target);
        }
    }
}
