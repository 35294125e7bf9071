using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Podvisor.Core.Model;
using Podvisor.Runtime.Process.Native;
using Podvisor.Runtime.Process.Shim;

namespace Podvisor.Runtime.Process;

/// <summary>
/// The default runtime (docs/contracts.md §3): containers are host processes, each the leader of its own session and process
/// group; a pod sandbox is a network namespace with its own IP (as root) plus the pod directory with its volumes.
/// Event-driven end to end: the container shim's epoll thread sees every exit through pidfds and drains every output
/// pipe into CRI log files, and its spawner thread starts processes with posix_spawn inside the right namespaces and
/// credentials; the runtime keeps a spawner and an epoll thread of its own for execs.
/// State is persisted under <c>DataDir/runtime</c>; <see cref="OpenAsync"/> on the same DataDir recovers it.
/// <para>Without root (or with <see cref="ProcessRuntimeOptions.Privileged"/> false) pods use the host network (one
/// warning is logged), emptyDir Memory is a plain directory, runAsUser must be the agent's own uid, and each mount
/// path is a symlink to its volume (created when absent; readOnly is not enforced).</para>
/// </summary>
public sealed partial class ProcessRuntime : IContainerRuntime, IAsyncDisposable
{
    private readonly ProcessRuntimeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly bool _privileged;
    private readonly RuntimeStateStore _store;
    private readonly PodNetwork _network;
    private readonly Reactor _reactor;
    private readonly Spawner _spawner;
    private readonly Channel<ContainerEvent> _events = Channel.CreateUnbounded<ContainerEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, SandboxInstance> _sandboxes = new();
    private readonly ConcurrentDictionary<string, ContainerInstance> _containers = new();
    private readonly ConcurrentDictionary<string, PodEntry> _pods = new();
    private int _hostNetworkWarned;
    private int _disposed;

    private ProcessRuntime(ProcessRuntimeOptions options)
    {
        _options = options;
        _time = options.TimeProvider;
        _logger = options.LoggerFactory.CreateLogger<ProcessRuntime>();
        _privileged = options.Privileged ?? Libc.geteuid() == 0;
        _store = new RuntimeStateStore(options.DataDir, e => Log.PersistFailed(_logger, e));
        _network = new PodNetwork(options);
        _reactor = new Reactor(e => Log.ReactorFailed(_logger, e));
        _spawner = new Spawner(_privileged);
    }

    /// <summary>Whether root-only features are in use (see <see cref="ProcessRuntimeOptions.Privileged"/>).</summary>
    public bool Privileged => _privileged;

    /// <summary>
    /// The address every pod's network namespace reaches the host on (the bridge's, created if missing); null without
    /// root, when pods share the host's network.
    /// </summary>
    public async Task<System.Net.IPAddress?> PodGatewayAsync(CancellationToken ct = default) =>
        _privileged ? await _network.EnsureGatewayAsync(ct) : null;

    public ChannelReader<ContainerEvent> Events => _events.Reader;

    /// <summary>
    /// Opens the runtime on <see cref="ProcessRuntimeOptions.DataDir"/>, connecting to (or starting) its container shim
    /// and recovering persisted state: sandboxes whose network namespace still exists stay Ready with their IP;
    /// containers the shim runs are adopted and exits it saw are reported; containers that were running but that no
    /// shim owns are killed (process group SIGKILL) and reported exited 137 (ContainerStatusUnknown).
    /// </summary>
    public static async ValueTask<ProcessRuntime> OpenAsync(ProcessRuntimeOptions options, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var runtime = new ProcessRuntime(options);
        try
        {
            runtime.Recover(await runtime.OpenShimAsync(ct));
        }
        catch
        {
            await runtime.DisposeAsync();
            throw;
        }

        return runtime;
    }

    public RuntimePodStatus GetPodStatus(string podUid)
    {
        if (!_pods.TryGetValue(podUid, out var entry))
        {
            return RuntimePodStatus.Empty(podUid);
        }

        lock (entry)
        {
            var sandboxes = new RuntimeSandboxStatus[entry.Sandboxes.Count];
            for (var i = 0; i < sandboxes.Length; i++)
            {
                sandboxes[i] = entry.Sandboxes[^(i + 1)].Status;
            }

            var containers = new RuntimeContainerStatus[entry.Containers.Count];
            for (var i = 0; i < containers.Length; i++)
            {
                containers[i] = entry.Containers[^(i + 1)].Status;
            }

            return new RuntimePodStatus { Uid = podUid, Sandboxes = sandboxes, Containers = containers };
        }
    }

    public IReadOnlyCollection<string> PodUids => _pods.Where(p =>
    {
        lock (p.Value)
        {
            return p.Value.Sandboxes.Count > 0 || p.Value.Containers.Count > 0;
        }
    }).Select(p => p.Key).ToList();

    /// <summary>Kills every container (process group SIGKILL) and stops every sandbox. Meant for tests and shutdown.</summary>
    public async ValueTask KillAllAsync(CancellationToken ct = default)
    {
        await Task.WhenAll(_containers.Values.Select(c => KillAsync(c, ct)));
        foreach (var id in _sandboxes.Keys)
        {
            await StopPodSandboxAsync(id, ct);
        }
    }

    /// <summary>
    /// Disconnects from the shim and stops the runtime's threads. Containers keep running: with a shim process
    /// (<see cref="ProcessRuntimeOptions.ShimCommand"/>) they are adopted by the next runtime on this DataDir; with the
    /// shim in this process they lose their output when the process exits (see <see cref="KillAllAsync"/>).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            if (_shim is { } shim)
            {
                await shim.DisposeAsync();
            }

            if (_shimHost is { } host)
            {
                await host.DisposeAsync();
            }

            _spawner.Dispose();
            _reactor.Dispose();
            _store.Dispose();
            _network.Dispose();
            foreach (var sandbox in _sandboxes.Values)
            {
                sandbox.Netns.Replace(null);
            }

            _events.Writer.TryComplete();
        }
    }

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private PodEntry Pod(string uid) => _pods.GetOrAdd(uid, _ => new PodEntry());

    /// <summary>An unknown id is the contract's start failure (IContainerRuntime): <see cref="ContainerStartException"/>.</summary>
    private ContainerInstance Container(string id) =>
        _containers.TryGetValue(id, out var c) ? c : throw new ContainerStartException($"container \"{id}\" not found");

    /// <inheritdoc cref="Container"/>
    private SandboxInstance Sandbox(string id) =>
        _sandboxes.TryGetValue(id, out var s) ? s : throw new ContainerStartException($"sandbox \"{id}\" not found");

    private List<ContainerInstance> ContainersOf(SandboxInstance sandbox)
    {
        var entry = Pod(sandbox.Record.PodUid);
        lock (entry)
        {
            return entry.Containers.Where(c => c.Record.SandboxId == sandbox.Record.Id).ToList();
        }
    }

    /// <summary>Changes a container's record, queues it for persistence and swaps the in-memory status, atomically per container.</summary>
    private void Update(ContainerInstance container, Func<ContainerRecord, ContainerRecord> change)
    {
        lock (container.Gate)
        {
            var record = change(container.Record);
            _store.Save(record);
            container.Set(record);
        }
    }

    private void Update(SandboxInstance sandbox, Func<SandboxRecord, SandboxRecord> change)
    {
        lock (sandbox.Gate)
        {
            var record = change(sandbox.Record);
            _store.Save(record);
            sandbox.Record = record;
        }
    }

    private void Publish(ContainerInstance container, ContainerEventType type) =>
        _events.Writer.TryWrite(new ContainerEvent(container.Record.PodUid, container.Record.Id, container.Record.Config.Name, type));

    /// <summary>SIGKILL to the process group, then wait until the instance is reported finished.</summary>
    private static async Task KillAsync(ContainerInstance container, CancellationToken ct)
    {
        if (container.Process is { } process)
        {
            process.SignalGroup(Libc.SIGKILL);
            await container.Finished.Task.WaitAsync(ct);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Not running as root: pods use the host network, and volumes are exposed as symlinks at their mount paths")]
        public static partial void HostNetworkFallback(ILogger logger);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Started container {Name} ({Id}) of pod {PodUid} as pid {Pid}")]
        public static partial void Started(ILogger logger, string name, string id, string podUid, int pid);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Container {Name} ({Id}) of pod {PodUid} exited with {ExitCode}")]
        public static partial void Exited(ILogger logger, string name, string id, string podUid, int? exitCode);

        [LoggerMessage(Level = LogLevel.Information, Message = "Container {Name} ({Id}) of pod {PodUid} was still running at recovery; killed its process group {Pid}")]
        public static partial void KilledRecovered(ILogger logger, string name, string id, string podUid, int pid);

        [LoggerMessage(Level = LogLevel.Information, Message = "Adopted container {Name} ({Id}) of pod {PodUid}, pid {Pid}, from the shim")]
        public static partial void Adopted(ILogger logger, string name, string id, string podUid, int pid);

        [LoggerMessage(Level = LogLevel.Information, Message = "Started the container shim, pid {Pid} (its log: {LogPath})")]
        public static partial void ShimStarted(ILogger logger, int pid, string logPath);

        [LoggerMessage(Level = LogLevel.Error, Message = "Finishing container {Id} failed")]
        public static partial void FinishFailed(ILogger logger, Exception exception, string id);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Persisting runtime state failed; recovery after an agent restart may see older state")]
        public static partial void PersistFailed(ILogger logger, Exception exception);

        [LoggerMessage(Level = LogLevel.Error, Message = "Reactor source failed")]
        public static partial void ReactorFailed(ILogger logger, Exception exception);
    }
}
