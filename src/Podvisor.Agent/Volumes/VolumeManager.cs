using k8s.Models;
using Podvisor.Node.Abstractions;
using Podvisor.Runtime;
using Podvisor.Runtime.Process.Native;

namespace Podvisor.Agent.Volumes;

/// <summary>A pod volume could not be set up (unsupported type, hostPath type check, missing ConfigMap, tmpfs mount).</summary>
public sealed class VolumeSetupException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The volume that failed; set by <see cref="VolumeManager.SetUp"/>.</summary>
    public string? Volume { get; init; }

    /// <summary>The kubelet's FailedMount event message.</summary>
    public string MountFailure => $"MountVolume.SetUp failed for volume \"{Volume}\" : {Message}";
}

/// <summary>
/// Mirrors the kubelet's volume manager: volumes in the kubelet's layout
/// (<c>DATA/pods/UID/volumes/kubernetes.io~PLUGIN/NAME</c>; a hostPath is the host path itself), set up before the
/// pod's sandbox and containers are created, and each container's volumeMounts as CRI host-path mounts (makeMounts).
/// configMap, secret, downwardAPI and projected volumes are written with <see cref="AtomicWriter"/> and rewritten by
/// <see cref="Refresh"/> when their objects change. Volumes belong to the pod, not to one sandbox: a new sandbox for
/// the same pod finds its emptyDir content again.
/// </summary>
public sealed class VolumeManager(
    string dataDir, bool privileged, IConfigObjects objects, AgentOptions options, TimeProvider time, IServiceAccountTokens? tokenRequests = null)
{
    private readonly ServiceAccountTokenCache _tokens = new(tokenRequests, time);

    private const UnixFileMode EmptyDirMode = (UnixFileMode)0b111_111_111; // 0777, as the kubelet's emptyDir
    private static readonly V1EmptyDirVolumeSource InMemory = new() { Medium = "Memory" };

    /// <summary>The agent's volume manager; tmpfs (emptyDir medium Memory) needs root.</summary>
    public static VolumeManager For(AgentOptions options, IConfigObjects objects, TimeProvider time, IServiceAccountTokens? tokenRequests) =>
        new(options.DataDir, Environment.IsPrivilegedProcess, objects, options, time, tokenRequests);

    public string PodDirectory(string uid) => Path.Combine(dataDir, "pods", uid);

    /// <summary>
    /// Creates (or finds) every volume of the pod, in spec order. Throws <see cref="VolumeSetupException"/> (with
    /// <see cref="VolumeSetupException.Volume"/>) at the first volume that cannot be set up.
    /// </summary>
    public void SetUp(V1Pod pod)
    {
        foreach (var volume in pod.Spec.Volumes ?? [])
        {
            try
            {
                if (volume.EmptyDir is { } emptyDir)
                {
                    SetUpEmptyDir(VolumePath(pod.Metadata.Uid, volume), emptyDir);
                }
                else if (volume.HostPath is { } hostPath)
                {
                    HostPathTypeChecker.Check(hostPath);
                }
                else if (VolumePayload.IsProjected(volume))
                {
                    var path = VolumePath(pod.Metadata.Uid, volume);
                    if (volume.ConfigMap is null)
                    {
                        // As the kubelet wraps them: secret, downwardAPI and projected files live on tmpfs (root only).
                        SetUpEmptyDir(path, InMemory);
                    }

                    AtomicWriter.Write(path, VolumePayload.Of(volume, pod, objects, _tokens, options), time.GetUtcNow());
                }
                else
                {
                    throw new VolumeSetupException("unsupported volume type (podvisor supports emptyDir, hostPath, configMap, secret, downwardAPI and projected)");
                }
            }
            catch (VolumeSetupException e)
            {
                throw new VolumeSetupException(e.Message, e.InnerException) { Volume = volume.Name };
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new VolumeSetupException(e.Message, e) { Volume = volume.Name };
            }
        }
    }

    /// <summary>
    /// Rewrites the pod's configMap, secret, downwardAPI and projected volumes whose content changed (the kubelet's
    /// periodic remount). A volume that cannot be projected now keeps its files, as the kubelet keeps them.
    /// </summary>
    public void Refresh(V1Pod pod)
    {
        foreach (var volume in (pod.Spec.Volumes ?? []).Where(VolumePayload.IsProjected))
        {
            try
            {
                AtomicWriter.Write(VolumePath(pod.Metadata.Uid, volume), VolumePayload.Of(volume, pod, objects, _tokens, options), time.GetUtcNow());
            }
            catch (Exception e) when (e is VolumeSetupException or IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>True when the pod has a volume <see cref="Refresh"/> rewrites.</summary>
    public static bool HasProjectedVolumes(V1Pod pod) => pod.Spec.Volumes?.Any(VolumePayload.IsProjected) == true;

    /// <summary>
    /// The container's volumeMounts as host-path mounts (subPath resolved safely and created as a directory when
    /// missing, as the kubelet does, <see cref="SubPaths"/>), then the pod's hosts file at /etc/hosts when the kubelet
    /// would mount it (<see cref="EtcHosts"/>; <paramref name="podIp"/> is the sandbox's, null when it has none). Without
    /// root there is none: the process runtime exposes mounts as symlinks, which cannot cover the host's /etc/hosts.
    /// Throws <see cref="ContainerConfigException"/> (CreateContainerConfigError) on a bad mount.
    /// </summary>
    public IReadOnlyList<Mount> Mounts(V1Pod pod, V1Container container, string? podIp)
    {
        var mounts = new List<Mount>();
        foreach (var (mount, index) in (container.VolumeMounts ?? []).Select((m, i) => (m, i)))
        {
            if (!privileged && mount.MountPath == ServiceAccountCredentials.MountPath)
            {
                continue; // without root every pod would share this one host path (docs/contracts.md §2, "ServiceAccounts")
            }

            var volume = (pod.Spec.Volumes ?? []).FirstOrDefault(v => v.Name == mount.Name)
                ?? throw new ContainerConfigException($"cannot find volume \"{mount.Name}\" to mount into container \"{container.Name}\"");
            var hostPath = volume.HostPath?.Path ?? VolumePath(pod.Metadata.Uid, volume);
            if (!string.IsNullOrEmpty(mount.SubPath))
            {
                var staging = privileged
                    ? Path.Combine(PodDirectory(pod.Metadata.Uid), "volume-subpaths", volume.Name, container.Name, index.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    : null;
                hostPath = SubPaths.Prepare(hostPath, mount.SubPath, staging, mount.Name, container.Name);
            }

            // configMap, secret, downwardAPI and projected volumes are always read-only, as the kubelet mounts them.
            mounts.Add(new Mount(hostPath, mount.MountPath, mount.ReadOnlyProperty == true || VolumePayload.IsProjected(volume)));
        }

        if (privileged && EtcHosts.ShouldMount(pod, container, podIp))
        {
            var path = Path.Combine(PodDirectory(pod.Metadata.Uid), "etc-hosts");
            var hostNetwork = pod.Spec.HostNetwork == true;
            try
            {
                EtcHosts.Write(path, EtcHosts.Content(
                    podIp is null || hostNetwork ? [] : [podIp], PodHostname.Of(pod), PodHostname.Domain(pod, options.ClusterDomain),
                    pod.Spec.HostAliases, hostNetwork, () => File.ReadAllText(EtcHosts.ContainerPath)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ContainerConfigException(e.Message); // makeMounts failed: GenerateRunContainerOptions fails
            }

            mounts.Add(new Mount(path, EtcHosts.ContainerPath));
        }

        return mounts;
    }

    /// <summary>Unmounts what the volume manager mounted under the pod directory (tmpfs), deletes the directory and forgets the pod's tokens.</summary>
    public void TearDown(string uid)
    {
        _tokens.Forget(uid);
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

    /// <summary>The kubelet's directory of a volume: <c>volumes/kubernetes.io~PLUGIN/NAME</c>.</summary>
    private string VolumePath(string uid, V1Volume volume)
    {
        var plugin = volume.ConfigMap is not null ? "configmap"
            : volume.Secret is not null ? "secret"
            : volume.DownwardAPI is not null ? "downward-api"
            : volume.Projected is not null ? "projected"
            : "empty-dir";
        return Path.Combine(PodDirectory(uid), "volumes", "kubernetes.io~" + plugin, volume.Name);
    }

    private void SetUpEmptyDir(string path, V1EmptyDirVolumeSource source)
    {
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, EmptyDirMode);
        if (privileged && source.Medium == "Memory" && !MountPointsUnder(path).Contains(path))
        {
            var size = source.SizeLimit is { } limit ? $",size={(long)limit.ToDecimal()}" : "";
            if (Libc.mount("tmpfs", path, "tmpfs", Libc.MS_NOSUID | Libc.MS_NODEV, "mode=0777" + size) != 0)
            {
                throw new VolumeSetupException($"mount tmpfs: {Libc.Describe(Libc.Errno)}");
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
