using Podvisor.Runtime.Process.Native;

namespace Podvisor.Agent.Volumes;

/// <summary>
/// Mirrors the kubelet's safe subPath (pkg/volume/util/subpath/subpath_linux.go): the subPath is walked one component
/// at a time from the volume's root with openat, missing directories are made with mkdirat (never through a symlink,
/// with the volume root's mode), and every opened component must still lie inside the volume, judged by where its
/// descriptor really points, so a symlink a container left in the volume cannot make the agent reach or create
/// anything outside it. As root the result is bind-mounted from that descriptor to
/// <c>pods/UID/volume-subpaths/VOLUME/CONTAINER/INDEX</c>, so a path swapped afterwards cannot change what is mounted.
/// </summary>
internal static class SubPaths
{
    /// <summary>The host path to mount; throws <see cref="ContainerConfigException"/> with the kubelet's messages.</summary>
    public static string Prepare(string volumePath, string subPath, string? stagingTarget, string mountName, string containerName)
    {
        if (Path.IsPathRooted(subPath) || subPath.Split('/').Contains(".."))
        {
            throw new ContainerConfigException($"subPath \"{subPath}\" must be a relative path without '..'");
        }

        var fd = Libc.open(volumePath, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw PrepareFailed(mountName, containerName);
        }

        var root = RealPath(fd);
        var mode = (uint)File.GetUnixFileMode(volumePath);
        try
        {
            foreach (var component in subPath.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(c => c != "."))
            {
                var next = Libc.openat(fd, component, Libc.O_PATH | Libc.O_CLOEXEC, 0);
                if (next < 0 && Libc.Errno == Libc.ENOENT)
                {
                    if (Libc.mkdirat(fd, component, mode) < 0 && Libc.Errno != Libc.EEXIST)
                    {
                        throw new ContainerConfigException($"failed to create subPath directory for volumeMount \"{mountName}\" of container \"{containerName}\"");
                    }

                    next = Libc.openat(fd, component, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
                }

                Libc.close(fd);
                fd = next;
                if (fd < 0 || RealPath(fd) is not { } real || (real != root && !real.StartsWith(root + "/", StringComparison.Ordinal)))
                {
                    throw PrepareFailed(mountName, containerName);
                }
            }

            return stagingTarget is null ? RealPath(fd)! : BindFrom(fd, stagingTarget, mountName, containerName);
        }
        finally
        {
            if (fd >= 0)
            {
                Libc.close(fd);
            }
        }
    }

    /// <summary>Bind-mounts what the descriptor names (through /proc/self/fd, which mount follows to that very file).</summary>
    private static string BindFrom(int fd, string target, string mountName, string containerName)
    {
        var source = $"/proc/self/fd/{fd}";
        if (Libc.FileType(source) == Libc.S_IFDIR)
        {
            Directory.CreateDirectory(target);
        }
        else if (!File.Exists(target))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllBytes(target, []);
        }

        Libc.umount2(target, Libc.MNT_DETACH); // the previous instance's, if any
        return Libc.mount(source, target, null, Libc.MS_BIND, null) == 0 ? target : throw PrepareFailed(mountName, containerName);
    }

    private static string? RealPath(int fd) => new FileInfo($"/proc/self/fd/{fd}").LinkTarget;

    /// <summary>The kubelet does not tell the user why (it could reveal the host's file system).</summary>
    private static ContainerConfigException PrepareFailed(string mountName, string containerName) =>
        new($"failed to prepare subPath for volumeMount \"{mountName}\" of container \"{containerName}\"");
}
