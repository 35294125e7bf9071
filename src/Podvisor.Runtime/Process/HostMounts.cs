using Podvisor.Runtime.Process.Native;

namespace Podvisor.Runtime.Process;

/// <summary>
/// How a container's CRI mounts (host paths the agent's volume manager set up) become bind mounts, or symlinks
/// without root. The runtime's own per-container files live under <c>DATA/pods/UID/containers</c>.
/// </summary>
internal static class HostMounts
{
    public static string PodDirectory(string dataDir, string uid) => Path.Combine(dataDir, "pods", uid);

    /// <summary>The runtime's per-container directories of a pod (termination-log files).</summary>
    public static string ContainersDirectory(string dataDir, string uid) => Path.Combine(PodDirectory(dataDir, uid), "containers");

    /// <summary>
    /// The bind mounts for a container: its mounts plus the termination-log file at terminationMessagePath. A host
    /// path that is not a directory is bound as a file; a missing one becomes a directory at mount time.
    /// </summary>
    public static List<BindMount> Resolve(ContainerConfig config, string terminationLogFile)
    {
        var mounts = new List<BindMount>();
        foreach (var mount in config.Mounts)
        {
            if (!Path.IsPathRooted(mount.ContainerPath))
            {
                throw new SpawnFailure($"mount path \"{mount.ContainerPath}\" must be absolute");
            }

            var isFile = Libc.FileType(mount.HostPath) is { } type && type != Libc.S_IFDIR;
            mounts.Add(new BindMount(mount.HostPath, mount.ContainerPath, mount.ReadOnly, isFile));
        }

        if (!string.IsNullOrEmpty(config.TerminationMessagePath))
        {
            mounts.Add(new BindMount(terminationLogFile, config.TerminationMessagePath, ReadOnly: false, IsFile: true));
        }

        return mounts;
    }

    /// <summary>
    /// Without root there are no bind mounts: each mount path that does not exist becomes a symlink to the host path
    /// (readOnly cannot be enforced). A mount path that exists as anything else fails the start. The termination-log
    /// link is best effort (e.g. /dev is not writable). Returns the links created.
    /// </summary>
    public static List<string> Link(IReadOnlyList<BindMount> mounts, string terminationLogFile)
    {
        var created = new List<string>();
        foreach (var mount in mounts)
        {
            var existing = new FileInfo(mount.Target);
            if (existing.LinkTarget == mount.Source)
            {
                continue;
            }

            if (existing.Exists || Directory.Exists(mount.Target) || existing.LinkTarget is not null)
            {
                if (mount.Source == terminationLogFile)
                {
                    continue;
                }

                throw new SpawnFailure($"cannot expose volume at \"{mount.Target}\" without root: the path exists");
            }

            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(mount.Target)!);
                File.CreateSymbolicLink(mount.Target, mount.Source);
                created.Add(mount.Target);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException && mount.Source == terminationLogFile)
            {
                // best effort: the termination message is then only what the container writes elsewhere
            }
        }

        return created;
    }
}
