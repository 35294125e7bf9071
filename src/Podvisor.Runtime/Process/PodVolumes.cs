using k8s.Models;
using Podvisor.Runtime.Process.Native;

namespace Podvisor.Runtime.Process;

/// <summary>
/// Pod volumes in the kubelet's layout (<c>DATA/pods/UID/volumes/kubernetes.io~empty-dir/NAME</c>) and how a
/// container's volumeMounts become bind mounts. Volumes belong to the pod, not to one sandbox: a new sandbox for the
/// same pod finds its emptyDir content again.
/// </summary>
internal static class PodVolumes
{
    private const string EmptyDirPlugin = "kubernetes.io~empty-dir";
    private const UnixFileMode EmptyDirMode = (UnixFileMode)0b111_111_111; // 0777, as the kubelet's emptyDir

    public static string PodDirectory(string dataDir, string uid) => Path.Combine(dataDir, "pods", uid);

    /// <summary>Creates (or finds) every volume of the pod. Throws <see cref="PodSandboxException"/> on a bad volume.</summary>
    public static List<VolumeRecord> SetUp(string podDir, IReadOnlyList<V1Volume> volumes, bool privileged)
    {
        var records = new List<VolumeRecord>();
        foreach (var volume in volumes)
        {
            if (volume.EmptyDir is { } emptyDir)
            {
                records.Add(SetUpEmptyDir(podDir, volume.Name, emptyDir, privileged));
            }
            else if (volume.HostPath is { } hostPath)
            {
                records.Add(new VolumeRecord(volume.Name, hostPath.Path, CheckHostPath(hostPath), Tmpfs: false));
            }
            else
            {
                throw new PodSandboxException($"volume \"{volume.Name}\": unsupported volume type (the process runtime supports emptyDir and hostPath)");
            }
        }

        return records;
    }

    /// <summary>Unmounts what the runtime mounted under the pod directory (tmpfs), then deletes the directory.</summary>
    public static void TearDown(string podDir)
    {
        foreach (var mountPoint in MountPointsUnder(podDir).OrderByDescending(p => p.Length))
        {
            Libc.umount2(mountPoint, Libc.MNT_DETACH);
        }

        if (Directory.Exists(podDir))
        {
            Directory.Delete(podDir, recursive: true);
        }
    }

    /// <summary>
    /// The bind mounts for a container: its volumeMounts (subPath created as a directory when missing, as the kubelet
    /// does) plus the termination-log file at terminationMessagePath.
    /// </summary>
    public static List<BindMount> Resolve(ContainerConfig config, IReadOnlyList<VolumeRecord> volumes, string terminationLogFile)
    {
        var mounts = new List<BindMount>();
        foreach (var mount in config.Mounts)
        {
            var volume = volumes.FirstOrDefault(v => v.Name == mount.Name)
                ?? throw new SpawnFailure($"cannot find volume \"{mount.Name}\" to mount into container \"{config.Name}\"");
            if (!Path.IsPathRooted(mount.MountPath))
            {
                throw new SpawnFailure($"mount path \"{mount.MountPath}\" must be absolute");
            }

            mounts.Add(string.IsNullOrEmpty(mount.SubPath)
                ? new BindMount(volume.Path, mount.MountPath, mount.ReadOnlyProperty == true, volume.IsFile)
                : SubPathMount(volume, mount));
        }

        if (!string.IsNullOrEmpty(config.TerminationMessagePath))
        {
            mounts.Add(new BindMount(terminationLogFile, config.TerminationMessagePath, ReadOnly: false, IsFile: true));
        }

        return mounts;
    }

    /// <summary>
    /// Without root there are no bind mounts: each mount path that does not exist becomes a symlink to the volume
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

    private static BindMount SubPathMount(VolumeRecord volume, V1VolumeMount mount)
    {
        if (Path.IsPathRooted(mount.SubPath) || mount.SubPath.Split('/').Contains(".."))
        {
            throw new SpawnFailure($"subPath \"{mount.SubPath}\" must be a relative path without '..'");
        }

        var source = Path.Combine(volume.Path, mount.SubPath);
        if (Libc.FileType(source) is null)
        {
            Directory.CreateDirectory(source);
        }

        return new BindMount(source, mount.MountPath, mount.ReadOnlyProperty == true, Libc.FileType(source) != Libc.S_IFDIR);
    }

    private static VolumeRecord SetUpEmptyDir(string podDir, string name, V1EmptyDirVolumeSource source, bool privileged)
    {
        var path = Path.Combine(podDir, "volumes", EmptyDirPlugin, name);
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, EmptyDirMode);
        var tmpfs = privileged && source.Medium == "Memory";
        if (tmpfs && !MountPointsUnder(path).Contains(path))
        {
            var size = source.SizeLimit is { } limit ? $",size={(long)limit.ToDecimal()}" : "";
            if (Libc.mount("tmpfs", path, "tmpfs", Libc.MS_NOSUID | Libc.MS_NODEV, "mode=0777" + size) != 0)
            {
                throw new PodSandboxException($"volume \"{name}\": mount tmpfs: {Libc.Describe(Libc.Errno)}");
            }
        }

        return new VolumeRecord(name, path, IsFile: false, tmpfs);
    }

    /// <summary>Mirrors kubelet's hostPath type checker; returns whether the path is a file (not a directory).</summary>
    private static bool CheckHostPath(V1HostPathVolumeSource hostPath)
    {
        var path = hostPath.Path;
        var kind = hostPath.Type ?? "";
        var type = Libc.FileType(path);
        if (kind.Length == 0)
        {
            return type is not null && type != Libc.S_IFDIR; // no check; a missing path becomes a directory at mount
        }

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
            _ => throw new PodSandboxException($"hostPath type check failed: unknown type \"{kind}\""),
        };
        return type == expected
            ? expected != Libc.S_IFDIR
            : throw new PodSandboxException($"hostPath type check failed: {path} is not {Describe(expected)}");
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
            throw new PodSandboxException($"hostPath type check failed: {path}: {e.Message}", e);
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

    /// <summary>Mount points at or below <paramref name="dir"/> in the agent's mount namespace.</summary>
    private static List<string> MountPointsUnder(string dir)
    {
        var full = Path.GetFullPath(dir).TrimEnd('/');
        return File.ReadLines("/proc/self/mountinfo")
            .Select(line => line.Split(' ')[4].Replace("\\040", " ", StringComparison.Ordinal))
            .Where(p => p == full || p.StartsWith(full + "/", StringComparison.Ordinal))
            .ToList();
    }
}

/// <summary>A pod sandbox could not be set up (bad volume, network failure ...).</summary>
public sealed class PodSandboxException(string message, Exception? inner = null) : Exception(message, inner);
