using System.Runtime.InteropServices;
using k8s.Models;
using Podvisor.Core.Logs;
using Podvisor.Core.Model;
using Podvisor.Runtime.Contract;
using Podvisor.Runtime.Process;

namespace Podvisor.Runtime.Tests.Process;

/// <summary>A fact that needs root (network namespaces, bind mounts, runAsUser); skipped with the reason otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public const string Reason = "needs root: network namespaces, bind mounts, capabilities and runAsUser are root-only";

    public RootFactAttribute()
    {
        if (!Native.IsRoot)
        {
            Skip = Reason;
        }
    }
}

/// <summary>The <see cref="RootFactAttribute"/> of theories.</summary>
public sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute()
    {
        if (!Native.IsRoot)
        {
            Skip = RootFactAttribute.Reason;
        }
    }
}

internal static partial class Native
{
    public static bool IsRoot => geteuid() == 0;

    public static uint Euid => geteuid();

    [LibraryImport("libc")]
    private static partial uint geteuid();

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mkfifo(string path, uint mode);

    [LibraryImport("libc")]
    public static partial int poll(ref PollFd fds, nuint count, int timeout);

    [LibraryImport("libc")]
    public static partial long syscall(long number, long a1, long a2, long a3);

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }
}

/// <summary>
/// One ProcessRuntime on a fresh DataDir with a test bridge and CIDR, plus helpers: containers, event waits with one
/// overall timeout, and FIFOs for readiness handshakes (a process blocks writing to the FIFO until the test reads it).
/// </summary>
internal sealed class RuntimeHarness : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    public const string TestPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private const string Root = "/tmp/podvisor-runtime-tests";

    private EventLog _events;
    private readonly List<string> _sandboxes = [];
    private readonly CancellationTokenSource _deadline = new(Timeout);
    private readonly bool? _privileged;

    private RuntimeHarness(string dataDir, bool? privileged, ProcessRuntime runtime)
    {
        DataDir = dataDir;
        _privileged = privileged;
        Runtime = runtime;
        _events = new EventLog(runtime.Events);
    }

    public string DataDir { get; }
    public ProcessRuntime Runtime { get; private set; }
    public string PodUid { get; } = Guid.NewGuid().ToString();
    public CancellationToken Deadline => _deadline.Token;

    /// <summary>A scratch directory for the test (FIFOs, hostPaths ...).</summary>
    public string Scratch => Directory.CreateDirectory(Path.Combine(DataDir, "scratch")).FullName;

    public static async Task<RuntimeHarness> StartAsync(bool? privileged = null)
    {
        var dataDir = Path.Combine(Root, Guid.NewGuid().ToString("N")[..12]);
        return new RuntimeHarness(dataDir, privileged, await ProcessRuntime.OpenAsync(Options(dataDir, privileged)));
    }

    public static ProcessRuntimeOptions Options(string dataDir, bool? privileged) => new()
    {
        DataDir = dataDir,
        PodCidr = "10.234.0.0/16",
        BridgeName = "pvtest0",
        IpamDir = Path.Combine(Root, "ipam"),
        Privileged = privileged,
    };

    /// <summary>Disposes the runtime WITHOUT killing anything and opens a new one on the same DataDir.</summary>
    public async Task ReopenAsync()
    {
        await Runtime.DisposeAsync();
        Runtime = await ProcessRuntime.OpenAsync(Options(DataDir, _privileged));
        _events = new EventLog(Runtime.Events);
    }

    public async Task<string> SandboxAsync(bool hostNetwork = false)
    {
        var id = await Runtime.RunPodSandboxAsync(new PodSandboxConfig
        {
            PodUid = PodUid, Name = "pod", Namespace = "default", HostNetwork = hostNetwork, Hostname = Hostname,
        }, Deadline);
        _sandboxes.Add(id);
        return id;
    }

    /// <summary>The sandboxes' hostname (what the agent passes for a pod named so).</summary>
    public const string Hostname = "pod-host";

    /// <summary>A host directory (0777) where the agent's volume manager would put the pod's emptyDir <paramref name="name"/>.</summary>
    public string VolumeDirectory(string name)
    {
        var path = Directory.CreateDirectory(Path.Combine(DataDir, "pods", PodUid, "volumes", "kubernetes.io~empty-dir", name)).FullName;
        File.SetUnixFileMode(path, (UnixFileMode)0b111_111_111);
        return path;
    }

    public ContainerConfig Config(string name, params string[] argv) => new()
    {
        Name = name,
        Kind = ContainerKind.Regular,
        Hash = "hash",
        Argv = argv,
        Env = [new("PATH", TestPath)],
        LogPath = Path.Combine(DataDir, "logs", PodUid, name, "0.log"), // the layout is the agent's; any path will do
    };

    public async Task<string> StartAsync(string sandboxId, ContainerConfig config)
    {
        var id = await Runtime.CreateContainerAsync(sandboxId, config, Deadline);
        await Runtime.StartContainerAsync(id, Deadline);
        return id;
    }

    /// <summary>Starts the container and returns its status once it exited.</summary>
    public async Task<RuntimeContainerStatus> RunToExitAsync(string sandboxId, ContainerConfig config)
    {
        var id = await StartAsync(sandboxId, config);
        return await ExitedAsync(id);
    }

    public async Task<RuntimeContainerStatus> ExitedAsync(string containerId)
    {
        await WaitForAsync(containerId, ContainerEventType.Exited);
        return Status(containerId);
    }

    public RuntimeContainerStatus Status(string containerId) =>
        Runtime.GetPodStatus(PodUid).Containers.Single(c => c.Id == containerId);

    public Task<ContainerEvent> WaitForAsync(string containerId, ContainerEventType type) => _events.WaitForAsync(containerId, type, Deadline);

    /// <summary>The container's log records.</summary>
    public static List<CriLogEntry> Log(ContainerConfig config) => CriLog.ReadEntries(config.LogPath).ToList();

    /// <summary>The container's output as text (records joined, partial records without newline).</summary>
    public static string Output(ContainerConfig config) => string.Concat(Log(config).Select(e => e.Text));

    /// <summary>Creates a FIFO; <see cref="ReadFifoAsync"/> returns what a process wrote to it (a readiness handshake).</summary>
    public string Fifo(string name)
    {
        var path = Path.Combine(Scratch, name);
        Assert.Equal(0, Native.mkfifo(path, 0b110_110_110));
        File.SetUnixFileMode(path, (UnixFileMode)0b110_110_110); // writable for runAsUser containers despite the umask
        return path;
    }

    public Task<string> ReadFifoAsync(string path) =>
        Task.Run(() => File.ReadAllText(path), Deadline).WaitAsync(Deadline);

    /// <summary>Waits (poll on a pidfd, no sleeping) until the process is gone or a zombie.</summary>
    public Task WaitForProcessExitAsync(int pid) => WaitForProcessExitAsync(pid, Deadline);

    /// <inheritdoc cref="WaitForProcessExitAsync(int)"/>
    public static Task WaitForProcessExitAsync(int pid, CancellationToken ct) => Task.Run(() =>
    {
        var fd = (int)Native.syscall(434, pid, 0, 0);
        if (fd < 0)
        {
            return; // already reaped
        }

        var poll = new Native.PollFd { Fd = fd, Events = 1 };
        Assert.Equal(1, Native.poll(ref poll, 1, (int)Timeout.TotalMilliseconds));
    }, ct).WaitAsync(ct);

    public async ValueTask DisposeAsync()
    {
        using var cleanup = new CancellationTokenSource(Timeout);
        await Runtime.KillAllAsync(cleanup.Token);
        foreach (var id in _sandboxes)
        {
            await Runtime.RemovePodSandboxAsync(id, cleanup.Token);
        }

        await Runtime.DisposeAsync();
        _deadline.Dispose();
        if (Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }
    }
}
