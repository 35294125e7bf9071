using k8s.Models;
using Podvisor.Agent.Tests.Support;
using Podvisor.Agent.Volumes;
using Podvisor.Node.Abstractions;
using Podvisor.Runtime;

namespace Podvisor.Agent.Tests.Volumes;

/// <summary>The agent's volume manager: kubelet layout, emptyDir (tmpfs for medium Memory), hostPath type checks, subPath.</summary>
public sealed class VolumeManagerTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("podvisor-volumes-").FullName;

    private string Scratch => Directory.CreateDirectory(Path.Combine(_dataDir, "scratch")).FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    private VolumeManager New(bool privileged) =>
        new(_dataDir, privileged, NoConfigObjects.Instance, TestAgentOptions.For(_dataDir), TimeProvider.System);

    [Fact]
    public void EmptyDir_LivesInTheKubeletLayout_0777_AndIsMountedAtItsMountPath_WithSubPathCreated()
    {
        var volumes = New(privileged: false);
        var pod = Pod([new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() }],
            new V1VolumeMount { Name = "data", MountPath = "/d" },
            new V1VolumeMount { Name = "data", MountPath = "/s", SubPath = "sub/dir", ReadOnlyProperty = true });

        volumes.SetUp(pod);
        var mounts = volumes.Mounts(pod, pod.Spec.Containers[0], podIp: null);

        var volume = Path.Combine(_dataDir, "pods", "uid-1", "volumes", "kubernetes.io~empty-dir", "data");
        Assert.Equal((UnixFileMode)0b111_111_111, File.GetUnixFileMode(volume));
        Assert.Equal([new Mount(volume, "/d"), new Mount(Path.Combine(volume, "sub/dir"), "/s", ReadOnly: true)], mounts);
        Assert.True(Directory.Exists(Path.Combine(volume, "sub/dir")));

        volumes.TearDown("uid-1");
        Assert.False(Directory.Exists(Path.Combine(_dataDir, "pods", "uid-1")));
    }

    [Fact]
    public void HostPath_TypeChecks()
    {
        var volumes = New(privileged: false);
        var dir = Path.Combine(Scratch, "created");
        var file = Path.Combine(Scratch, "file");
        volumes.SetUp(Pod([
            new V1Volume { Name = "d", HostPath = new V1HostPathVolumeSource { Path = dir, Type = "DirectoryOrCreate" } },
            new V1Volume { Name = "f", HostPath = new V1HostPathVolumeSource { Path = file, Type = "FileOrCreate" } }]));
        Assert.True(Directory.Exists(dir));
        Assert.True(File.Exists(file));

        var error = Assert.Throws<VolumeSetupException>(() => volumes.SetUp(Pod([
            new V1Volume { Name = "x", HostPath = new V1HostPathVolumeSource { Path = file, Type = "Directory" } }])));
        Assert.Equal($"hostPath type check failed: {file} is not a directory", error.Message);
        Assert.Throws<VolumeSetupException>(() => volumes.SetUp(Pod([
            new V1Volume { Name = "s", Secret = new V1SecretVolumeSource { SecretName = "s" } }])));
    }

    [Fact]
    public void HostPath_IsMountedFromTheHostPathItself()
    {
        var volumes = New(privileged: false);
        var pod = Pod([new V1Volume { Name = "h", HostPath = new V1HostPathVolumeSource { Path = Scratch } }],
            new V1VolumeMount { Name = "h", MountPath = "/h" });

        Assert.Equal([new Mount(Scratch, "/h")], volumes.Mounts(pod, pod.Spec.Containers[0], podIp: null));
    }

    [Fact]
    public void ABadSubPathIsAContainerConfigError()
    {
        var volumes = New(privileged: false);
        var pod = Pod([new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() }],
            new V1VolumeMount { Name = "data", MountPath = "/x", SubPath = "../up" });

        var error = Assert.Throws<ContainerConfigException>(() => volumes.Mounts(pod, pod.Spec.Containers[0], podIp: null));
        Assert.Equal("subPath \"../up\" must be a relative path without '..'", error.Message);
    }

    /// <summary>
    /// A symlink a container left in its volume (here to the scratch directory, outside the volume) cannot make the
    /// agent mount or create anything outside the volume; a symlink within the volume is followed.
    /// </summary>
    [Theory]
    [InlineData("escape")]
    [InlineData("escape/made-by-the-agent")]
    [InlineData("sub/../escape")]
    public void ASubPathThroughASymlinkOutOfTheVolumeIsRefusedAndCreatesNothing(string subPath)
    {
        var volumes = New(privileged: false);
        var pod = Pod([new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() }],
            new V1VolumeMount { Name = "data", MountPath = "/x", SubPath = subPath });
        volumes.SetUp(pod);
        var volume = Path.Combine(_dataDir, "pods", "uid-1", "volumes", "kubernetes.io~empty-dir", "data");
        File.CreateSymbolicLink(Path.Combine(volume, "escape"), Scratch);

        var error = Assert.Throws<ContainerConfigException>(() => volumes.Mounts(pod, pod.Spec.Containers[0], podIp: null));

        Assert.Matches("^(failed to prepare subPath for volumeMount \"data\" of container \"app\"|subPath \".*\" must be a relative path without '..')$", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(Scratch));
    }

    [Fact]
    public void ASubPathThroughASymlinkInsideTheVolumeResolvesToItsTarget()
    {
        var volumes = New(privileged: false);
        var pod = Pod([new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() }],
            new V1VolumeMount { Name = "data", MountPath = "/x", SubPath = "alias/inner" });
        volumes.SetUp(pod);
        var volume = Path.Combine(_dataDir, "pods", "uid-1", "volumes", "kubernetes.io~empty-dir", "data");
        Directory.CreateDirectory(Path.Combine(volume, "real"));
        File.CreateSymbolicLink(Path.Combine(volume, "alias"), "real");

        Assert.Equal([new Mount(Path.Combine(volume, "real", "inner"), "/x")], volumes.Mounts(pod, pod.Spec.Containers[0], podIp: null));
        Assert.True(Directory.Exists(Path.Combine(volume, "real", "inner")));
    }

    /// <summary>As root the subPath is bind-mounted from its descriptor: swapping the path for a symlink afterwards changes nothing.</summary>
    [RootFact]
    public void AsRootASubPathIsABindMountOfWhatWasCheckedAndGoesWithThePod()
    {
        var volumes = New(privileged: true);
        var pod = Pod([new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() }],
            new V1VolumeMount { Name = "data", MountPath = "/x", SubPath = "sub" });
        volumes.SetUp(pod);
        var volume = Path.Combine(_dataDir, "pods", "uid-1", "volumes", "kubernetes.io~empty-dir", "data");

        var mount = Assert.Single(volumes.Mounts(pod, pod.Spec.Containers[0], podIp: null));
        var staging = Path.Combine(_dataDir, "pods", "uid-1", "volume-subpaths", "data", "app", "0");
        Assert.Equal(new Mount(staging, "/x"), mount);
        File.WriteAllText(Path.Combine(volume, "sub", "checked"), "");
        Directory.Move(Path.Combine(volume, "sub"), Path.Combine(volume, "moved"));
        File.CreateSymbolicLink(Path.Combine(volume, "sub"), Scratch);
        Assert.True(File.Exists(Path.Combine(staging, "checked")));

        volumes.TearDown("uid-1");
        Assert.False(Directory.Exists(Path.Combine(_dataDir, "pods", "uid-1")));
    }

    [RootFact]
    public void EmptyDirMemory_IsTmpfs_AndRemovedWithThePod()
    {
        var volumes = New(privileged: true);
        var pod = Pod([new V1Volume { Name = "mem", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory" } }]);

        volumes.SetUp(pod);
        volumes.SetUp(pod); // idempotent: a new sandbox finds the same tmpfs

        var path = Path.Combine(_dataDir, "pods", "uid-1", "volumes", "kubernetes.io~empty-dir", "mem");
        Assert.Single(File.ReadLines("/proc/self/mounts"), l => l.StartsWith($"tmpfs {path} tmpfs", StringComparison.Ordinal));
        volumes.TearDown("uid-1");
        Assert.False(Directory.Exists(Path.Combine(_dataDir, "pods", "uid-1")));
        Assert.DoesNotContain(Path.Combine(_dataDir, "pods"), File.ReadAllText("/proc/self/mountinfo"));
    }

    /// <summary>makeHostsMount: DATA/pods/UID/etc-hosts (0644, the kubelet's content) at /etc/hosts, read-write, after the volumes.</summary>
    [Fact]
    public void APodWithAnIPGetsItsHostsFileMountedAtEtcHosts()
    {
        var volumes = New(privileged: true);
        var pod = Pod([new V1Volume { Name = "h", HostPath = new V1HostPathVolumeSource { Path = Scratch } }], new V1VolumeMount { Name = "h", MountPath = "/h" });
        pod.Spec.Subdomain = "workers";
        pod.Spec.HostAliases = [new V1HostAlias { Ip = "10.1.2.3", Hostnames = ["db"] }];

        var mounts = volumes.Mounts(pod, pod.Spec.Containers[0], podIp: "10.234.0.7");

        var file = Path.Combine(_dataDir, "pods", "uid-1", "etc-hosts");
        Assert.Equal([new Mount(Scratch, "/h"), new Mount(file, "/etc/hosts")], mounts);
        Assert.Equal(
            EtcHosts.Content(["10.234.0.7"], "p", "workers.default.svc.cluster.local", pod.Spec.HostAliases, hostNetwork: false, () => ""),
            File.ReadAllText(file));
        Assert.Contains("10.234.0.7\tp.workers.default.svc.cluster.local\tp\n", File.ReadAllText(file));
        Assert.Equal((UnixFileMode)0b110_100_100, File.GetUnixFileMode(file));
    }

    [Fact]
    public void AHostNetworkPodGetsTheNodesHostsFileUnderTheKubeletsHeader()
    {
        var volumes = New(privileged: true);
        var pod = Pod([]);
        pod.Spec.HostNetwork = true;

        var mount = Assert.Single(volumes.Mounts(pod, pod.Spec.Containers[0], podIp: null));

        Assert.Equal("/etc/hosts", mount.ContainerPath);
        Assert.Equal("# Kubernetes-managed hosts file (host network).\n" + File.ReadAllText("/etc/hosts"), File.ReadAllText(mount.HostPath));
    }

    /// <summary>
    /// shouldMountHostsFile: not before the sandbox has an IP (nor ever without root, where the runtime has none), and
    /// not over a container's own volumeMount at /etc/hosts; without root not even for hostNetwork (symlinks cannot cover it).
    /// </summary>
    [Fact]
    public void NoHostsFileWithoutAPodIPOverAVolumeAtEtcHostsOrWithoutRoot()
    {
        var own = Pod([new V1Volume { Name = "h", HostPath = new V1HostPathVolumeSource { Path = Scratch } }], new V1VolumeMount { Name = "h", MountPath = "/etc/hosts" });
        var hostNetwork = Pod([]);
        hostNetwork.Spec.HostNetwork = true;

        Assert.Empty(New(privileged: true).Mounts(Pod([]), Pod([]).Spec.Containers[0], podIp: null));
        Assert.Equal([new Mount(Scratch, "/etc/hosts")], New(privileged: true).Mounts(own, own.Spec.Containers[0], podIp: "10.234.0.7"));
        Assert.Empty(New(privileged: false).Mounts(hostNetwork, hostNetwork.Spec.Containers[0], podIp: null));
        Assert.False(File.Exists(Path.Combine(_dataDir, "pods", "uid-1", "etc-hosts")));
    }

    private static V1Pod Pod(IList<V1Volume> volumes, params V1VolumeMount[] mounts) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", Uid = "uid-1" },
        Spec = new V1PodSpec { Volumes = volumes, Containers = [new V1Container { Name = "app", VolumeMounts = mounts }] },
    };
}

/// <summary>A fact that needs root (tmpfs mounts).</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root: tmpfs mounts are root-only";
        }
    }
}
