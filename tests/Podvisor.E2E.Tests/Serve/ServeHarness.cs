using k8s;
using k8s.Models;
using Podvisor.E2E.Tests.Api;
using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Serve;

/// <summary>
/// One test's <c>podvisor serve</c> with the real agent and process runtime, in a temporary directory:
/// <c>ROOT/data</c> is serve's data dir, <c>ROOT/gate</c> a directory pods mount (hostPath) to wait for files the test
/// creates (<see cref="OpenGate"/>), so a pod's progress is driven by the test, never by sleeps.
/// <see cref="StopAsync"/> deletes every pod, SIGTERMs serve and asserts that nothing is left: no runtime records, no
/// network namespace, no container process. <see cref="DisposeAsync"/> only cleans up (after a failure) and removes ROOT.
/// </summary>
internal sealed class ServeHarness : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly IReadOnlyList<string> _serveArgs;
    private Kubernetes? _client;
    private bool _stopped;

    private ServeHarness(string root, IReadOnlyList<string> serveArgs, ServeProcess serve)
    {
        Root = root;
        _serveArgs = serveArgs;
        Serve = serve;
    }

    public string Root { get; }

    public string DataDir => DataDirOf(Root);

    public string GateDir => Path.Combine(Root, "gate");

    public string Kubeconfig => Path.Combine(DataDir, "kubeconfig");

    public ServeProcess Serve { get; private set; }

    /// <summary>A KubernetesClient built from serve's kubeconfig (rebuilt after a restart: the port changes).</summary>
    public Kubernetes Client => _client ??= new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Kubeconfig));

    /// <summary>
    /// Starts serve with a fresh data dir on <paramref name="listen"/>; with a <paramref name="token"/> it is written to
    /// <c>ROOT/token</c> and passed as <c>--token-file</c>. <paramref name="extraArgs"/> go to serve as they are.
    /// </summary>
    public static async Task<ServeHarness> StartAsync(string listen = "127.0.0.1:0", string? token = null, IEnumerable<string>? extraArgs = null)
    {
        var root = Directory.CreateTempSubdirectory("podvisor-serve-").FullName;
        Directory.CreateDirectory(Path.Combine(root, "gate"));
        List<string> args = ["--data-dir", DataDirOf(root), "--listen", listen, .. extraArgs ?? []];
        if (token is not null)
        {
            var file = Path.Combine(root, "token");
            File.WriteAllText(file, token + "\n");
            args.AddRange(["--token-file", file]);
        }

        try
        {
            return new ServeHarness(root, args, await ServeProcess.StartAsync(args));
        }
        catch
        {
            Directory.Delete(root, recursive: true);
            throw;
        }
    }

    public Kubectl Kubectl(string version) => new(version, Kubeconfig, Root);

    /// <summary>Creates <c>ROOT/gate/NAME</c>, which pods see at <c>/gate/NAME</c>.</summary>
    public void OpenGate(string name) => File.WriteAllText(Path.Combine(GateDir, name), "");

    /// <summary>SIGTERMs serve (it must exit 0) and starts it again on the same data dir.</summary>
    public async Task RestartAsync()
    {
        var exit = await Serve.StopAsync(Timeout);
        Assert.True(exit == 0, $"serve exited {exit?.ToString() ?? "late"} on SIGTERM:\n{Serve.Output}");
        await Serve.DisposeAsync();
        _client?.Dispose();
        _client = null;
        Serve = await ServeProcess.StartAsync(_serveArgs);
    }

    /// <summary>
    /// SIGTERMs serve, SIGKILLs its container shim and starts serve again: the containers, still running but owned by
    /// nobody, are lost as a runtime loses them in a reboot (the new serve kills them and reports them lost).
    /// </summary>
    public async Task RestartLosingContainersAsync()
    {
        var shim = RuntimeRecords.ShimPid(DataDir);
        var exit = await Serve.StopAsync(Timeout);
        Assert.True(exit == 0, $"serve exited {exit?.ToString() ?? "late"} on SIGTERM:\n{Serve.Output}");
        await Serve.DisposeAsync();
        _client?.Dispose();
        _client = null;
        Assert.NotNull(shim);
        Native.kill(shim.Value, 9);
        Assert.True(await Native.WaitForExitAsync(shim.Value, Timeout), "the container shim survived SIGKILL");
        Serve = await ServeProcess.StartAsync(_serveArgs);
    }

    /// <summary>SIGKILLs serve (only serve: its containers and their shim are not signalled) and starts it again on the same data dir.</summary>
    public async Task KillAndRestartAsync()
    {
        await KillServeAsync();
        await StartServeAgainAsync();
    }

    /// <summary>SIGKILLs serve only; <see cref="StartServeAgainAsync"/> starts it again.</summary>
    public async Task KillServeAsync()
    {
        await Serve.DisposeAsync();
        _client?.Dispose();
        _client = null;
    }

    public async Task StartServeAgainAsync() => Serve = await ServeProcess.StartAsync(_serveArgs);

    /// <summary>Watches an existing pod through KubernetesClient (ends when serve stops).</summary>
    public Task<PodWatcher> WatchPodAsync(string name) => PodWatcher.StartAsync(Client, name);

    /// <summary>
    /// Deletes every pod (grace period 1 s) and waits until they are gone, SIGTERMs serve (exit 0), then asserts that the
    /// runtime left nothing behind and removes ROOT.
    /// </summary>
    public async Task StopAsync()
    {
        var sandboxes = RuntimeRecords.Sandboxes(DataDir);
        var containers = RuntimeRecords.Containers(DataDir);
        await DeleteAllPodsAsync(gracePeriodSeconds: 1);
        var shim = RuntimeRecords.ShimPid(DataDir);
        var exit = await Serve.StopAsync(Timeout);
        _stopped = true;
        Assert.True(exit == 0, $"serve exited {exit?.ToString() ?? "late"} on SIGTERM:\n{Serve.Output}");
        Assert.True(shim is null || await Native.WaitForExitAsync(shim.Value, Timeout), "the container shim still runs with no pod and no serve");
        Assert.Empty(RuntimeRecords.Sandboxes(DataDir));
        Assert.Empty(RuntimeRecords.Containers(DataDir));
        Assert.DoesNotContain(sandboxes, s => s.NetnsExists);
        Assert.DoesNotContain(sandboxes, s => s.HoldsIp);
        Assert.DoesNotContain(containers, c => c.ProcessAlive);
        Directory.Delete(Root, recursive: true);
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (!_stopped)
        {
            // The test failed before StopAsync: clean up as well as possible, without masking its failure.
            try
            {
                await DeleteAllPodsAsync(gracePeriodSeconds: 0);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Serve may be down already.
            }

            await Serve.StopAsync(TimeSpan.FromSeconds(15));
            RuntimeRecords.Reap(RuntimeRecords.Sandboxes(DataDir), RuntimeRecords.Containers(DataDir));
            if (RuntimeRecords.ShimPid(DataDir) is { } shim)
            {
                Native.kill(shim, 9);
            }
        }

        await Serve.DisposeAsync();
        if (Directory.Exists(Root))
        {
            RuntimeRecords.UnmountUnder(Root); // volumes of pods force-deleted with serve going down
            Directory.Delete(Root, recursive: true);
        }
    }

    private static string DataDirOf(string root) => Path.Combine(root, "data");

    private async Task DeleteAllPodsAsync(int gracePeriodSeconds)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var pods = await Client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: cts.Token);
        var remaining = pods.Items.Select(p => p.Metadata.Uid).ToHashSet();
        foreach (var pod in pods.Items)
        {
            await Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty, gracePeriodSeconds: gracePeriodSeconds, cancellationToken: cts.Token);
        }

        if (remaining.Count == 0)
        {
            return;
        }

        await foreach (var (type, pod) in Client.CoreV1.WatchListPodForAllNamespacesAsync(resourceVersion: pods.Metadata.ResourceVersion, cancellationToken: cts.Token))
        {
            if (type == WatchEventType.Deleted && remaining.Remove(pod.Metadata.Uid) && remaining.Count == 0)
            {
                return;
            }
        }
    }
}
