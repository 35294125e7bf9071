using k8s.Models;
using Podvisor.Runtime;
using Podvisor.Runtime.Process.Native;

namespace Podvisor.Agent.Volumes;

/// <summary>A pod volume could not be set up (unsupported type, hostPath type check, tmpfs mount).</summary>
public sealed class VolumeSetupException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Mirrors the kubelet's volume manager for emptyDir and hostPath: volumes in the kubelet's layout
/// (<c>DATA/pods/UID/volumes/kubernetes.io~empty-dir/NAME</c>; a hostPath is the host path itself), set up before
/// the pod's containers are created, and each container's volumeMounts as CRI host-path mounts (makeMounts).
/// Volumes belong to the pod, not to one sandbox: a new sandbox for the same pod finds its emptyDir content again.
/// </summary>
public sealed class VolumeManager(string dataDir, bool privileged)
{
    private const string EmptyDirPlugin = "kubernetes.io~empty-dir";
    private const UnixFileMode EmptyDirMode = (UnixFileMode)0b111_111_111; // 0777, as the kubelet's emptyDir

    /// <summary>The agent's volume manager; tmpfs (emptyDir medium Memory) needs root.</summary>
    public static VolumeManager For(AgentOptions options) => new(options.DataDir, Environment.IsPrivilegedProcess);

    public string PodDirectory(string uid) => Path.Combine(dataDir, "pods", uid);

    /// <summary>Creates (or finds) every volume of the pod. Throws <see cref="VolumeSetupException"/> on a bad volume.</summary>
    public void SetUp(V1Pod pod)
    {
        try
        {
            foreach (var volume in pod.Spec.Volumes ?? [])
            {
                if (volume.EmptyDir is { } emptyDir)
                {
                    SetUpEmptyDir(EmptyDirPath(pod.Metadata.Uid, volume.Name), volume.Name, emptyDir);
                }
                else if (volume.HostPath is { } hostPath)
                {
                    HostPathTypeChecker.Check(hostPath);
                }
                else
                {
                    throw new VolumeSetupException($"volume \"{volume.Name}\": unsupported volume type (the process runtime supports emptyDir and hostPath)");
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VolumeSetupException(e.Message, e);
        }
    }

    /// <summary>
    /// The container's volumeMounts as host-path mounts (subPath created as a directory when missing, as the
    /// kubelet does). Throws <see cref="ContainerConfigException"/> (CreateContainerConfigError) on a bad mount.
    /// </summary>
    public IReadOnlyList<Mount> Mounts(V1Pod pod, V1Container container)
    {
        var mounts = new List<Mount>();
        foreach (var mount in container.VolumeMounts ?? [])
        {
            var volume = (pod.Spec.Volumes ?? []).FirstOrDefault(v => v.Name == mount.Name)
                ?? throw new ContainerConfigException($"cannot find volume \"{mount.Name}\" to mount into container \"{container.Name}\"");
            var hostPath = volume.HostPath?.Path ?? EmptyDirPath(pod.Metadata.Uid, volume.Name);
            if (!string.IsNullOrEmpty(mount.SubPath))
            {
                hostPath = SubPath(hostPath, mount.SubPath);
            }

            mounts.Add(new Mount(hostPath, mount.MountPath, mount.ReadOnlyProperty == true));
        }

        return mounts;
    }

    /// <summary>Unmounts what the volume manager mounted under the pod directory (tmpfs), then deletes the directory.</summary>
    public void TearDown(string uid)
    {
        var podDir = PodDirectory(uid);
        foreach (var mountPoint in MountPointsUnder(podDir).OrderByDescending(p => p.Length))
        {
            Libc.umount2(mountPoint, Libc.MNT_DETACH);
        }

        if (Directory.Exists(podDir))
        {
            Directory.Delete(podDir, recursive: true);
        }
    }

    private string EmptyDirPath(string uid, string name) => Path.Combine(PodDirectory(uid), "volumes", EmptyDirPlugin, name);

    private static string SubPath(string volumePath, string subPath)
    {
        if (Path.IsPathRooted(subPath) || subPath.Split('/').Contains(".."))
        {
            throw new ContainerConfigException($"subPath \"{subPath}\" must be a relative path without '..'");
        }

        var source = Path.Combine(volumePath, subPath);
        if (Libc.FileType(source) is null)
        {
            Directory.CreateDirectory(source);
        }

        return source;
    }

    private void SetUpEmptyDir(string path, string name, V1EmptyDirVolumeSource source)
    {
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, EmptyDirMode);
        if (privileged && source.Medium == "Memory" && !MountPointsUnder(path).Contains(path))
        {
            var size = source.SizeLimit is { } limit ? $",size={(long)limit.ToDecimal()}" : "";
            if (Libc.mount("tmpfs", path, "tmpfs", Libc.MS_NOSUID | Libc.MS_NODEV, "mode=0777" + size) != 0)
            {
                throw new VolumeSetupException($"volume \"{name}\": mount tmpfs: {Libc.Describe(Libc.Errno)}");
            }
        }
    }

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
