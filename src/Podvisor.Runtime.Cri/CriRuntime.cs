using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Podvisor.Core.Model;
using Podvisor.Runtime.Process;
using V1 = Podvisor.Runtime.Cri.V1;

namespace Podvisor.Runtime.Cri;

/// <summary>
/// <see cref="IContainerRuntime"/> over CRI v1 (containerd, CRI-O). Containers belong to the runtime, not to this
/// object: disposing it (or the agent dying) leaves them running, and <see cref="OpenAsync"/> on the same endpoint
/// adopts every Podvisor sandbox and container it finds by label, unchanged. Exits arrive as events
/// (<see cref="CriRuntime"/>.Events.cs) with a periodic relist as the source of truth.
/// </summary>
public sealed partial class CriRuntime : IContainerRuntime, IAsyncDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromMinutes(2);

    private readonly CriConnection _connection;
    private readonly CriRuntimeOptions _options;
    private readonly CriPodCache _cache = new();
    private readonly Channel<ContainerEvent> _events = Channel.CreateUnbounded<ContainerEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private Task _watch = Task.CompletedTask;

    private CriRuntime(CriConnection connection, CriRuntimeOptions options, V1.VersionResponse version)
    {
        _connection = connection;
        _options = options;
        _logger = options.LoggerFactory.CreateLogger<CriRuntime>();
        RuntimeName = version.RuntimeName;
        RuntimeVersion = version.RuntimeVersion;
        Images = new CriImageService(connection);
    }

    /// <summary>The runtime's own name and version (CRI Version), e.g. <c>containerd</c> <c>1.6.20</c>.</summary>
    public string RuntimeName { get; }

    public string RuntimeVersion { get; }

    public IImageService Images { get; }

    public ChannelReader<ContainerEvent> Events => _events.Reader;

    /// <summary>
    /// Connects to <see cref="CriRuntimeOptions.Endpoint"/>, adopts what Podvisor left there and starts watching.
    /// A runtime that does not answer fails here with one <see cref="CriRuntimeUnavailableException"/>.
    /// </summary>
    public static async Task<CriRuntime> OpenAsync(CriRuntimeOptions options, CancellationToken ct = default)
    {
        CriConnection connection;
        try
        {
            connection = CriConnection.Open(options.Endpoint);
        }
        catch (ArgumentException e)
        {
            throw new CriRuntimeUnavailableException(e.Message, e);
        }

        try
        {
            var version = await connection.Runtime.VersionAsync(new V1.VersionRequest { Version = "v1" }, deadline: Deadline(TimeSpan.FromSeconds(10)), cancellationToken: ct);
            var runtime = new CriRuntime(connection, options, version);
            await runtime.RelistAsync(adopt: true, ct);
            runtime._watch = runtime.WatchAsync(runtime._stop.Token);
            return runtime;
        }
        catch (RpcException e)
        {
            connection.Dispose();
            var why = File.Exists(connection.SocketPath) ? e.Status.Detail : $"{connection.SocketPath}: no such socket";
            throw new CriRuntimeUnavailableException($"container runtime endpoint \"{options.Endpoint}\" is not available: {why}", e);
        }
    }

    public async ValueTask<string> RunPodSandboxAsync(PodSandboxConfig config, CancellationToken ct)
    {
        if (config.LogDirectory.Length == 0)
        {
            throw new PodSandboxException($"RunPodSandbox for pod {config.Namespace}/{config.Name}: no log directory");
        }

        var logDirectory = Directory.CreateDirectory(config.LogDirectory).FullName;
        var dns = CriConfigMapping.HostDns(File.Exists(_options.ResolvConf) ? await File.ReadAllTextAsync(_options.ResolvConf, ct) : "");
        var sandbox = CriConfigMapping.Sandbox(config, logDirectory, dns);
        sandbox.Annotations[CriLabels.SandboxConfig] = CriConfigMapping.Encode(sandbox);
        string id;
        try
        {
            id = (await _connection.Runtime.RunPodSandboxAsync(new V1.RunPodSandboxRequest { Config = sandbox }, deadline: Deadline(CallTimeout), cancellationToken: ct)).PodSandboxId;
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            throw new PodSandboxException($"RunPodSandbox for pod {config.Namespace}/{config.Name}: {e.Status.Detail}", e);
        }

        await RefreshSandboxAsync(id, ct);
        return id;
    }

    public async ValueTask StopPodSandboxAsync(string sandboxId, CancellationToken ct)
    {
        try
        {
            await _connection.Runtime.StopPodSandboxAsync(new V1.StopPodSandboxRequest { PodSandboxId = sandboxId }, deadline: Deadline(CallTimeout), cancellationToken: ct);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            // Removed already: a no-op, as IContainerRuntime.StopPodSandboxAsync promises (containerd answers NotFound).
            _cache.Remove(sandboxId);
            return;
        }

        await RefreshSandboxAsync(sandboxId, ct);
        foreach (var containerId in _cache.ContainersOf(sandboxId))
        {
            await RefreshContainerAsync(containerId, sandboxId, adopted: false, ct);
        }
    }

    public async ValueTask RemovePodSandboxAsync(string sandboxId, CancellationToken ct)
    {
        await _connection.Runtime.RemovePodSandboxAsync(new V1.RemovePodSandboxRequest { PodSandboxId = sandboxId }, deadline: Deadline(CallTimeout), cancellationToken: ct);
        var podUid = _cache.PodOf(sandboxId);
        _cache.Remove(sandboxId);
        if (podUid is not null && _cache.Get(podUid).Sandboxes.Count == 0)
        {
            var containers = HostMounts.ContainersDirectory(_options.DataDir, podUid);
            if (Directory.Exists(containers))
            {
                Directory.Delete(containers, recursive: true);
            }
        }
    }

    public RuntimePodStatus GetPodStatus(string podUid) => _cache.Get(podUid);

    public IReadOnlyCollection<string> PodUids => _cache.PodUids();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _watch;
        }
        catch (Exception e) when (e is OperationCanceledException || e is RpcException { StatusCode: StatusCode.Cancelled })
        {
            // stopping
        }

        _events.Writer.TryComplete();
        _connection.Dispose();
        _stop.Dispose();
    }

    private static DateTime Deadline(TimeSpan timeout) => DateTime.UtcNow + timeout;

    /// <summary>Reads a sandbox's status and the config Podvisor stored on it into the cache.</summary>
    private async Task RefreshSandboxAsync(string sandboxId, CancellationToken ct)
    {
        var status = (await _connection.Runtime.PodSandboxStatusAsync(new V1.PodSandboxStatusRequest { PodSandboxId = sandboxId }, deadline: Deadline(CallTimeout), cancellationToken: ct)).Status;
        var config = CriConfigMapping.Decode(status.Annotations[CriLabels.SandboxConfig]);
        _cache.PutSandbox(new CachedSandbox(status.Metadata.Uid, new RuntimeSandboxStatus
        {
            Id = status.Id,
            Ready = status.State == V1.PodSandboxState.SandboxReady,
            Ip = status.Network is { Ip.Length: > 0 } network ? network.Ip : null,
            Attempt = status.Metadata.Attempt,
            CreatedAt = CriPodCache.FromNanoseconds(status.CreatedAt),
        }, config));
    }
}

/// <summary>The CRI endpoint does not answer (missing socket, runtime down).</summary>
public sealed class CriRuntimeUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
