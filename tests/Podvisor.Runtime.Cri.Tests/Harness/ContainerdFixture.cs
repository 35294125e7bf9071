using System.Net;
using System.Net.Sockets;
using Podvisor.Runtime.Cri.V1;

namespace Podvisor.Runtime.Cri.Tests.Harness;

using Process = System.Diagnostics.Process;

/// <summary>
/// One private containerd for the whole test run (own root, state, socket, CNI bridge and subnet, stream server on a
/// free loopback port), a plain-HTTP registry on 127.0.0.1 that containerd reaches through a <c>hosts.toml</c>, and
/// the <see cref="TestImages"/> pushed to it. Disposal removes every sandbox through CRI, then stops containerd and the
/// registry and sweeps what could be left: shims, mounts, the bridge, the directory.
/// </summary>
public sealed class ContainerdFixture : IAsyncLifetime
{
    public const string BridgeName = "pvcri0";
    public const string Subnet = "10.235.0.0/24";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const string Root = "/tmp/podvisor-cri-tests";
    private static readonly string[] Tools = ["containerd", "runc", "containerd-shim-runc-v2", "docker-registry", "umoci", "skopeo", "chroot", "ip"];

    private readonly List<Process> _daemons = [];
    private readonly string _dir = Path.Combine(Root, Guid.NewGuid().ToString("N")[..12]);

    /// <summary>Why the CRI tests cannot run here, or null when they can.</summary>
    public static string? SkipReason { get; } = FindSkipReason();

    public string Endpoint => "unix://" + Socket;
    public string Socket => Path.Combine(_dir, "containerd.sock");
    public string Registry { get; private set; } = "";

    /// <summary>A directory for the test's agent data (logs, volumes).</summary>
    public string DataDir => Directory.CreateDirectory(Path.Combine(_dir, "data")).FullName;

    public string Image(string image) => $"{Registry}/{TestImages.Repository}/{image}";

    public async Task InitializeAsync()
    {
        if (SkipReason is not null)
        {
            return;
        }

        using var cts = new CancellationTokenSource(Timeout);
        Directory.CreateDirectory(_dir);
        await DeleteBridgeAsync();
        Registry = $"127.0.0.1:{FreePort()}";
        await StartRegistryAsync(cts.Token);
        await TestImages.BuildAndPushAsync(Path.Combine(_dir, "images"), Registry, cts.Token);
        WriteContainerdConfig();
        _daemons.Add(HostCommand.StartDaemon(Path.Combine(_dir, "containerd.log"), "containerd", "--config", Path.Combine(_dir, "containerd.toml")));
        await WaitForContainerdAsync(cts.Token);
        await PullTestImagesAsync(cts.Token);
    }

    public async Task DisposeAsync()
    {
        if (SkipReason is not null)
        {
            return;
        }

        await RemoveAllSandboxesAsync();
        foreach (var daemon in _daemons)
        {
            await HostCommand.StopAsync(daemon, TimeSpan.FromSeconds(10));
            daemon.Dispose();
        }

        KillShims();
        UnmountUnder(_dir);
        await DeleteBridgeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static string? FindSkipReason()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            return "needs root on Linux: the CRI tests start a private containerd";
        }

        var missing = Tools.Where(t => !HostCommand.Exists(t)).Concat(new[] { "/bin/busybox", "/usr/lib/cni/bridge" }.Where(p => !File.Exists(p))).ToList();
        return missing.Count == 0 ? null
            : $"needs {string.Join(", ", missing)} (Debian: containerd runc containernetworking-plugins docker-registry umoci skopeo busybox-static iproute2; .ci/run installs them)";
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task StartRegistryAsync(CancellationToken ct)
    {
        var config = Path.Combine(_dir, "registry.yml");
        File.WriteAllText(config, $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {Path.Combine(_dir, "registry")}
            http:
              addr: {Registry}
            """);
        _daemons.Add(HostCommand.StartDaemon(Path.Combine(_dir, "registry.log"), "docker-registry", "serve", config));
        using var http = new HttpClient();
        await RetryUntilAsync(async () => (await http.GetAsync($"http://{Registry}/v2/", ct)).IsSuccessStatusCode, "the registry", ct);
    }

    private void WriteContainerdConfig()
    {
        var hosts = Directory.CreateDirectory(Path.Combine(_dir, "certs.d", Registry)).FullName;
        File.WriteAllText(Path.Combine(hosts, "hosts.toml"), $"""
            server = "http://{Registry}"
            [host."http://{Registry}"]
              capabilities = ["pull", "resolve"]
            """);
        var cni = Directory.CreateDirectory(Path.Combine(_dir, "cni")).FullName;
        File.WriteAllText(Path.Combine(cni, "10-podvisor-test.conflist"), $$$"""
            {"cniVersion": "1.0.0", "name": "podvisor-cri-test", "plugins": [
              {"type": "bridge", "bridge": "{{{BridgeName}}}", "isGateway": true, "ipMasq": false,
               "ipam": {"type": "host-local", "ranges": [[{"subnet": "{{{Subnet}}}"}]], "dataDir": "{{{Path.Combine(_dir, "ipam")}}}"}},
              {"type": "portmap", "capabilities": {"portMappings": true}}]}
            """);
        File.WriteAllText(Path.Combine(_dir, "containerd.toml"), $"""
            version = 2
            root = "{Path.Combine(_dir, "root")}"
            state = "{Path.Combine(_dir, "state")}"
            [grpc]
              address = "{Socket}"
            [ttrpc]
              address = "{Socket}.ttrpc"
            [plugins."io.containerd.internal.v1.opt"]
              path = "{Path.Combine(_dir, "opt")}"
            [plugins."io.containerd.grpc.v1.cri"]
              sandbox_image = "{Image(TestImages.Pause)}"
              restrict_oom_score_adj = true
              netns_mounts_under_state_dir = true
              stream_server_address = "127.0.0.1"
              stream_server_port = "0"
              [plugins."io.containerd.grpc.v1.cri".cni]
                bin_dir = "/usr/lib/cni"
                conf_dir = "{cni}"
              [plugins."io.containerd.grpc.v1.cri".registry]
                config_path = "{Path.Combine(_dir, "certs.d")}"
            """);
    }

    private async Task WaitForContainerdAsync(CancellationToken ct)
    {
        using var connection = CriConnection.Open(Endpoint);
        await RetryUntilAsync(async () =>
        {
            await connection.Runtime.VersionAsync(new VersionRequest { Version = "v1" }, cancellationToken: ct);
            return true;
        }, "containerd", ct);
    }

    /// <summary>CreateContainer never pulls (the agent's image manager does), so the runtime-level tests find the images present.</summary>
    private async Task PullTestImagesAsync(CancellationToken ct)
    {
        using var connection = CriConnection.Open(Endpoint);
        foreach (var image in new[] { TestImages.Entrypoint, TestImages.Busybox })
        {
            await connection.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = Image(image) } }, cancellationToken: ct);
        }
    }

    /// <summary>The image as containerd has it (id, size, repo digests), or null when it is not on the node.</summary>
    internal async Task<Image?> ImageStatusAsync(string image)
    {
        using var connection = CriConnection.Open(Endpoint);
        using var cts = new CancellationTokenSource(Timeout);
        var status = await connection.Images.ImageStatusAsync(new ImageStatusRequest { Image = new ImageSpec { Image = image } }, cancellationToken: cts.Token);
        return status.Image;
    }

    /// <summary>Removes the image from the node (a test that needs it missing); nothing when it is not there.</summary>
    internal async Task RemoveImageAsync(string image)
    {
        using var connection = CriConnection.Open(Endpoint);
        using var cts = new CancellationTokenSource(Timeout);
        await connection.Images.RemoveImageAsync(new RemoveImageRequest { Image = new ImageSpec { Image = image } }, cancellationToken: cts.Token);
    }

    /// <summary>Retries a readiness check (a daemon opening its socket) until it succeeds or the deadline passes.</summary>
    private static async Task RetryUntilAsync(Func<Task<bool>> ready, string what, CancellationToken ct)
    {
        for (var delay = TimeSpan.FromMilliseconds(20); ; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.TicksPerSecond)))
        {
            try
            {
                if (await ready())
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or Grpc.Core.RpcException)
            {
                // not listening yet
            }

            if (ct.IsCancellationRequested)
            {
                throw new TimeoutException($"{what} did not become ready within {Timeout}");
            }

            await Task.Delay(delay, CancellationToken.None);
        }
    }

    private async Task RemoveAllSandboxesAsync()
    {
        using var connection = CriConnection.Open(Endpoint);
        using var cts = new CancellationTokenSource(Timeout);
        var sandboxes = await connection.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest(), cancellationToken: cts.Token);
        foreach (var sandbox in sandboxes.Items)
        {
            await connection.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = sandbox.Id }, cancellationToken: cts.Token);
            await connection.Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = sandbox.Id }, cancellationToken: cts.Token);
        }
    }

    /// <summary>Shims outlive containerd by design; ours are the ones started with our socket as their address.</summary>
    private void KillShims()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (argv[0].EndsWith("containerd-shim-runc-v2", StringComparison.Ordinal) && argv.Contains(Socket))
                {
                    _ = HostCommand.Kill(pid, HostCommand.SigKill);
                }
            }
            catch (IOException)
            {
                // exited meanwhile
            }
        }
    }

    private static void UnmountUnder(string dir)
    {
        var mountPoints = File.ReadAllLines("/proc/self/mountinfo")
            .Select(line => line.Split(' ')[4])
            .Where(p => p.StartsWith(dir + "/", StringComparison.Ordinal))
            .OrderByDescending(p => p.Length);
        foreach (var mountPoint in mountPoints)
        {
            HostCommand.Unmount(mountPoint);
        }
    }

    private static async Task DeleteBridgeAsync()
    {
        if (Directory.Exists($"/sys/class/net/{BridgeName}"))
        {
            await HostCommand.RunAsync(CancellationToken.None, "ip", "link", "delete", BridgeName);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ContainerdCollection : ICollectionFixture<ContainerdFixture>
{
    public const string Name = "containerd";
}

/// <summary>A fact that runs against the private containerd; skipped with the reason where it cannot start.</summary>
public sealed class CriFactAttribute : FactAttribute
{
    public CriFactAttribute()
    {
        if (ContainerdFixture.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
