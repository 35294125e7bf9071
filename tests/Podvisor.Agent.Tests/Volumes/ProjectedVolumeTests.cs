using k8s;
using k8s.Models;
using Podvisor.Agent.Tests.Support;
using Podvisor.Agent.Volumes;
using Podvisor.Core.Model;
using Podvisor.Runtime;

namespace Podvisor.Agent.Tests.Volumes;

/// <summary>
/// configMap, secret, downwardAPI and projected volumes as the kubelet writes them: the AtomicWriter layout
/// (<c>..data</c> symlink to a timestamped directory, a symlink per top-level name), modes, items, optional
/// objects and keys with the kubelet's errors, and rewrites that swap <c>..data</c> only when the content changed.
/// </summary>
public sealed class ProjectedVolumeTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("podvisor-projected-").FullName;
    private readonly InMemoryConfigObjects _objects = new();
    private readonly VolumeManager _volumes;

    public ProjectedVolumeTests()
    {
        _volumes = new VolumeManager(_dataDir, privileged: false, _objects,
            TestAgentOptions.For(_dataDir) with { Resources = new NodeResources(4, 8L << 30, 0) }, TimeProvider.System);
        _objects.Put(InMemoryConfigObjects.ConfigMap("app", new() { ["mode"] = "fast", ["app.conf"] = "a=1\n" }));
        _objects.Put(InMemoryConfigObjects.Secret("creds", new() { ["user"] = "admin" }));
    }

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    private string VolumeDir(string plugin, string name) => Path.Combine(_dataDir, "pods", "uid-1", "volumes", "kubernetes.io~" + plugin, name);

    [Fact]
    public void AConfigMapVolumeHasEveryKeyAsA0644FileBehindTheDataSymlink()
    {
        var pod = Pod("- {name: cfg, configMap: {name: app}}");
        _volumes.SetUp(pod);

        var dir = VolumeDir("configmap", "cfg");
        Assert.Equal("fast", File.ReadAllText(Path.Combine(dir, "mode")));
        Assert.Equal("a=1\n", File.ReadAllText(Path.Combine(dir, "app.conf")));
        Assert.Equal(Path.Combine("..data", "mode"), new FileInfo(Path.Combine(dir, "mode")).LinkTarget);
        var data = new FileInfo(Path.Combine(dir, "..data")).LinkTarget!;
        Assert.Matches(@"^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+$", data);
        Assert.Equal((UnixFileMode)0b110_100_100, File.GetUnixFileMode(Path.Combine(dir, data, "mode")));
        Assert.Equal([data, "..data", "app.conf", "mode"], Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ItemsChooseKeysPathsAndModesAndDefaultModeAppliesToTheRest()
    {
        var pod = Pod("""
            - name: cfg
              configMap:
                name: app
                defaultMode: 0400
                items: [{key: mode, path: conf/mode.txt}, {key: app.conf, path: app.conf, mode: 0600}]
            """);
        _volumes.SetUp(pod);

        var dir = VolumeDir("configmap", "cfg");
        Assert.Equal("fast", File.ReadAllText(Path.Combine(dir, "conf", "mode.txt")));
        Assert.Equal((UnixFileMode)0b100_000_000, File.GetUnixFileMode(Path.Combine(dir, "..data", "conf", "mode.txt")));
        Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(Path.Combine(dir, "..data", "app.conf")));
        Assert.False(File.Exists(Path.Combine(dir, "mode")));
    }

    [Theory]
    [InlineData("configMap: {name: nope}", "configmap \"nope\" not found")]
    [InlineData("configMap: {name: app, items: [{key: nope, path: p}]}", "configmap references non-existent config key: nope")]
    [InlineData("secret: {secretName: nope}", "secret \"nope\" not found")]
    [InlineData("secret: {secretName: creds, items: [{key: nope, path: p}]}", "references non-existent secret key: nope")]
    [InlineData("projected: {sources: [{configMap: {name: nope}}]}", "configmap \"nope\" not found")]
    public void AMissingObjectOrKeyIsTheKubeletsFailedMountAndWritesNothing(string source, string message)
    {
        var error = Assert.Throws<VolumeSetupException>(() => _volumes.SetUp(Pod($"- {{name: v, {source}}}")));

        Assert.Equal($"MountVolume.SetUp failed for volume \"v\" : {message}", error.MountFailure);
        Assert.False(Directory.Exists(Path.Combine(_dataDir, "pods", "uid-1", "volumes")) && Directory.EnumerateFiles(Path.Combine(_dataDir, "pods", "uid-1", "volumes"), "*", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public void OptionalObjectsAndKeysThatAreMissingGiveNoFiles()
    {
        _volumes.SetUp(Pod("""
            - {name: a, configMap: {name: nope, optional: true}}
            - {name: b, secret: {secretName: creds, optional: true, items: [{key: nope, path: p}, {key: user, path: u}]}}
            """));

        Assert.Equal(["..data"], Directory.EnumerateFileSystemEntries(VolumeDir("configmap", "a")).Select(Path.GetFileName).Where(n => !n!.StartsWith("..2", StringComparison.Ordinal)));
        Assert.Equal("admin", File.ReadAllText(Path.Combine(VolumeDir("secret", "b"), "u")));
        Assert.False(File.Exists(Path.Combine(VolumeDir("secret", "b"), "p")));
    }

    [Fact]
    public void SecretFilesAre0644ByDefaultAndTakeDefaultMode()
    {
        _volumes.SetUp(Pod("""
            - {name: s, secret: {secretName: creds}}
            - {name: t, secret: {secretName: creds, defaultMode: 0400}}
            """));

        Assert.Equal((UnixFileMode)0b110_100_100, File.GetUnixFileMode(Path.Combine(VolumeDir("secret", "s"), "..data", "user")));
        Assert.Equal((UnixFileMode)0b100_000_000, File.GetUnixFileMode(Path.Combine(VolumeDir("secret", "t"), "..data", "user")));
    }

    [Fact]
    public void DownwardAPIAndProjectedVolumesWritePodFieldsAndSeveralSourcesIntoOneDirectory()
    {
        var pod = Pod("""
            - name: info
              downwardAPI:
                items:
                - {path: name, fieldRef: {fieldPath: metadata.name}}
                - {path: labels, fieldRef: {fieldPath: metadata.labels}}
                - {path: cpu, resourceFieldRef: {containerName: app, resource: limits.cpu, divisor: 1m}}
            - name: all
              projected:
                sources:
                - configMap: {name: app, items: [{key: mode, path: mode}]}
                - secret: {name: creds}
                - downwardAPI: {items: [{path: ns, fieldRef: {fieldPath: metadata.namespace}}]}
            """);
        pod.Metadata.Labels = new Dictionary<string, string> { ["tier"] = "web", ["app"] = "say \"hi\"" };
        _volumes.SetUp(pod);

        Assert.Equal("p", File.ReadAllText(Path.Combine(VolumeDir("downward-api", "info"), "name")));
        Assert.Equal("4000", File.ReadAllText(Path.Combine(VolumeDir("downward-api", "info"), "cpu")));
        Assert.Equal("app=\"say \\\"hi\\\"\"\ntier=\"web\"", File.ReadAllText(Path.Combine(VolumeDir("downward-api", "info"), "labels")));
        var all = VolumeDir("projected", "all");
        Assert.Equal(("fast", "admin", "default"),
            (File.ReadAllText(Path.Combine(all, "mode")), File.ReadAllText(Path.Combine(all, "user")), File.ReadAllText(Path.Combine(all, "ns"))));
    }

    [Fact]
    public void RefreshSwapsTheDataDirectoryOnlyWhenTheContentChanged()
    {
        var pod = Pod("- {name: cfg, configMap: {name: app}}");
        _volumes.SetUp(pod);
        var dir = VolumeDir("configmap", "cfg");
        var first = new FileInfo(Path.Combine(dir, "..data")).LinkTarget;

        _volumes.Refresh(pod);
        Assert.Equal(first, new FileInfo(Path.Combine(dir, "..data")).LinkTarget);

        _objects.Put(InMemoryConfigObjects.ConfigMap("app", new() { ["mode"] = "slow", ["new"] = "n" }));
        _volumes.Refresh(pod);
        var second = new FileInfo(Path.Combine(dir, "..data")).LinkTarget;
        Assert.NotEqual(first, second);
        Assert.False(Directory.Exists(Path.Combine(dir, first!)));
        Assert.Equal(("slow", "n"), (File.ReadAllText(Path.Combine(dir, "mode")), File.ReadAllText(Path.Combine(dir, "new"))));
        Assert.False(File.Exists(Path.Combine(dir, "app.conf")), "a removed key's file goes");

        // The object gone: the kubelet keeps the files it has.
        _objects.Remove("ConfigMap", "app");
        _volumes.Refresh(pod);
        Assert.Equal(second, new FileInfo(Path.Combine(dir, "..data")).LinkTarget);
    }

    [Fact]
    public void ProjectedVolumesAreMountedReadOnly()
    {
        var pod = Pod("- {name: cfg, configMap: {name: app}}");
        pod.Spec.Containers[0].VolumeMounts = [new V1VolumeMount { Name = "cfg", MountPath = "/etc/app" }];

        Assert.Equal([new Mount(VolumeDir("configmap", "cfg"), "/etc/app", ReadOnly: true)], _volumes.Mounts(pod, pod.Spec.Containers[0], podIp: null));
    }

    [RootFact]
    public void SecretFilesAreOnTmpfsAndConfigMapFilesOnDiskAsRoot()
    {
        var volumes = new VolumeManager(_dataDir, privileged: true, _objects, TestAgentOptions.For(_dataDir) with { NodeName = "n" }, TimeProvider.System);
        volumes.SetUp(Pod("- {name: s, secret: {secretName: creds}}\n- {name: c, configMap: {name: app}}"));
        volumes.SetUp(Pod("- {name: s, secret: {secretName: creds}}\n- {name: c, configMap: {name: app}}")); // idempotent

        var mounts = File.ReadLines("/proc/self/mounts").ToList();
        Assert.Single(mounts, l => l.StartsWith($"tmpfs {VolumeDir("secret", "s")} tmpfs", StringComparison.Ordinal));
        Assert.DoesNotContain(mounts, l => l.Contains(VolumeDir("configmap", "c"), StringComparison.Ordinal));
        Assert.Equal("admin", File.ReadAllText(Path.Combine(VolumeDir("secret", "s"), "user")));
        volumes.TearDown("uid-1");
        Assert.DoesNotContain(Path.Combine(_dataDir, "pods"), File.ReadAllText("/proc/self/mountinfo"));
    }

    private static V1Pod Pod(string volumesYaml) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "default", Uid = "uid-1" },
        Spec = new V1PodSpec
        {
            Volumes = KubernetesYaml.Deserialize<List<V1Volume>>(volumesYaml),
            Containers = [new V1Container { Name = "app" }],
        },
    };
}
