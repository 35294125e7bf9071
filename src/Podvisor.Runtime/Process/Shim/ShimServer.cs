using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Podvisor.Core;
using Podvisor.Runtime.Process.Native;

namespace Podvisor.Runtime.Process.Shim;

/// <summary>
/// Owns the container processes of one DataDir (docs/contracts.md §3, "containers outlive the agent"), as
/// containerd-shim-runc-v2 does for containerd: it spawns them (<see cref="Spawner"/>), is their parent, drains their
/// output into the CRI log files, reaps them and keeps their exit status until the agent forgets them. The agent talks
/// to it over <c>DataDir/runtime/shim.sock</c>; one agent at a time (a new connection replaces the old one). Hosted in
/// the agent's process (<c>podvisor run</c>, tests: the containers die with it) or as <c>podvisor shim</c>, a process
/// of its own that outlives <c>serve</c> and exits once no agent is connected and no container runs.
/// </summary>
internal sealed partial class ShimServer : IAsyncDisposable
{
    /// <summary>How long a shim process waits for its first agent before it counts as idle.</summary>
    private static readonly TimeSpan FirstClientTimeout = TimeSpan.FromSeconds(30);

    private readonly string _dir;
    private readonly FileStream _lock;
    private readonly Socket _listener;
    private readonly Reactor _reactor;
    private readonly Spawner _spawner;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly bool _exitWhenIdle;
    private readonly ConcurrentDictionary<string, Entry> _entries = new();
    private readonly object _gate = new();
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ITimer? _firstClient;
    private ShimConnection? _client;
    private int _running;
    private int _disposed;

    private ShimServer(string dir, FileStream lockFile, bool privileged, TimeProvider time, ILogger logger, bool exitWhenIdle)
    {
        _dir = dir;
        _lock = lockFile;
        _time = time;
        _logger = logger;
        _exitWhenIdle = exitWhenIdle;
        File.WriteAllText(PidPath, Environment.ProcessId + "\n");
        _reactor = new Reactor(e => Log.ReactorFailed(logger, e));
        _spawner = new Spawner(privileged);
        LoadExits();
        File.Delete(SocketPath(dir));
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath(dir)));
        File.SetUnixFileMode(SocketPath(dir), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _listener.Listen(16);
        if (exitWhenIdle)
        {
            _firstClient = time.CreateTimer(_ => CheckIdle(), null, FirstClientTimeout, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Completes when a shim process may exit: no agent connected and no container running.</summary>
    public Task Idle => _idle.Task;

    public static string SocketPath(string runtimeDir) => Path.Combine(runtimeDir, "shim.sock");

    /// <summary>
    /// Takes the DataDir's shim lock and listens. Throws <see cref="ShimBusyException"/> when another shim holds it.
    /// </summary>
    public static ShimServer Listen(string runtimeDir, bool privileged, TimeProvider time, ILogger logger, bool exitWhenIdle)
    {
        Directory.CreateDirectory(runtimeDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        FileStream lockFile;
        try
        {
            // FileShare.None is an exclusive flock on Unix: one shim per DataDir, released when its process dies.
            lockFile = new FileStream(Path.Combine(runtimeDir, "shim.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new ShimBusyException(e.Message);
        }

        try
        {
            var server = new ShimServer(runtimeDir, lockFile, privileged, time, logger, exitWhenIdle);
            _ = server.AcceptAllAsync();
            return server;
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _firstClient?.Dispose();
        _listener.Dispose();
        ShimConnection? client;
        lock (_gate)
        {
            (client, _client) = (_client, null);
        }

        if (client is not null)
        {
            await client.DisposeAsync();
        }

        SaveExits();
        File.Delete(SocketPath(_dir));
        File.Delete(PidPath);
        _spawner.Dispose();
        _reactor.Dispose();
        await _lock.DisposeAsync();
    }

    private async Task AcceptAllAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            var connection = new ShimConnection(socket);
            ShimConnection? previous;
            lock (_gate)
            {
                (previous, _client) = (_client, connection);
            }

            if (previous is not null)
            {
                await previous.DisposeAsync();
            }

            _ = ServeAsync(connection);
        }
    }

    private async Task ServeAsync(ShimConnection connection)
    {
        await connection.RunAsync(message => Handle(connection, message));
        lock (_gate)
        {
            if (_client == connection)
            {
                _client = null;
            }
        }

        await connection.DisposeAsync();
        CheckIdle();
    }

    private void Handle(ShimConnection connection, ShimMessage message)
    {
        switch (message.Op)
        {
            case ShimOps.Hello:
                lock (_gate)
                {
                    // Under the gate with the exit reports: an exit is either in this state or sent after it.
                    connection.Send(new ShimMessage { Op = ShimOps.State, Seq = message.Seq, Containers = _entries.Values.Select(e => e.Describe(withRecords: true)).ToList() });
                }

                break;
            case ShimOps.Start when message.Start is { } start:
                _ = StartAsync(connection, message.Seq, start);
                break;
            case ShimOps.Signal when message.Id is { } id && _entries.TryGetValue(id, out var entry):
                entry.Process?.SignalGroup(message.Signal);
                break;
            case ShimOps.Forget when message.Id is { } id && _entries.TryRemove(id, out var entry):
                entry.Process?.SignalGroup(Libc.SIGKILL);
                break;
            default:
                Log.UnknownMessage(_logger, message.Op);
                break;
        }
    }

    private async Task StartAsync(ShimConnection connection, long seq, ShimStart start)
    {
        var id = start.Container.Id;
        var (stdoutRead, stdoutWrite) = Pipes.Create();
        var (stderrRead, stderrWrite) = Pipes.Create();
        var (outcome, log) = await SpawnAsync(start, stdoutWrite, stderrWrite);
        if (!outcome.Started)
        {
            stdoutRead.Dispose();
            stderrRead.Dispose();
            log?.Dispose();
            connection.Send(new ShimMessage { Op = ShimOps.Started, Seq = seq, Id = id, Error = outcome.Error });
            return;
        }

        var startedAt = _time.GetUtcNow();
        var process = ChildProcess.Watch(_reactor, outcome.Pid, outcome.Pidfd!, _time, (stdoutRead, log!.Stdout), (stderrRead, log.Stderr));
        var entry = new Entry(start.Sandbox, start.Container, outcome.Pid, ProcStat.StartTime(outcome.Pid) ?? 0, startedAt, process);
        Interlocked.Increment(ref _running);
        lock (_gate)
        {
            _entries[id] = entry;
            connection.Send(new ShimMessage { Op = ShimOps.Started, Seq = seq, Id = id, Container = entry.Describe(withRecords: false) });
        }

        Log.Started(_logger, id, outcome.Pid);
        var exit = await process.Completion;
        lock (_gate)
        {
            entry.Exit = new ShimExit(exit.ExitCode, exit.FinishedAt);
            _client?.Send(new ShimMessage { Op = ShimOps.Exited, Id = id, Container = entry.Describe(withRecords: false) });
        }

        Interlocked.Decrement(ref _running);
        CheckIdle();
    }

    /// <summary>
    /// Opens the container's log and namespaces and spawns it; a failure to open or spawn is the outcome's error. The write
    /// ends of the output pipes are the child's: they are closed here, spawned or not; the log is the caller's.
    /// </summary>
    private async Task<(SpawnOutcome Outcome, CriLogWriter? Log)> SpawnAsync(ShimStart start, SafeFd stdoutWrite, SafeFd stderrWrite)
    {
        var id = start.Container.Id;
        CriLogWriter? log = null;
        SafeFd? netns = null, uts = null;
        SpawnOutcome outcome;
        try
        {
            log = new CriLogWriter(start.Container.Config.LogPath, _time, start.LogRotation, e => Log.LogWriteFailed(_logger, e, id));
            netns = start.Netns is { } name ? PodNetwork.OpenNetns(name) : null;
            uts = start.Uts is { } utsName ? PodUts.Open(utsName) : null;
            outcome = await _spawner.SpawnAsync(new SpawnSpec
            {
                Argv = start.Argv,
                Env = start.Env,
                WorkingDir = start.WorkingDir,
                Credentials = start.Credentials,
                Capabilities = start.Capabilities?.ToHashSet(),
                NoNewPrivileges = start.NoNewPrivileges,
                Namespaces = start.NewMountNamespace ? new NamespacePlan.NewContainer(netns, uts, start.Mounts, start.ReadOnlyRoot) : new NamespacePlan.Host(),
                Stdout = stdoutWrite,
                Stderr = stderrWrite,
            });
        }
        catch (Exception e) when (e is SpawnFailure or IOException or UnauthorizedAccessException or PodSandboxException)
        {
            outcome = new SpawnOutcome(0, null, e.Message);
        }
        finally
        {
            stdoutWrite.Dispose();
            stderrWrite.Dispose();
            netns?.Dispose();
            uts?.Dispose();
        }

        return (outcome, log);
    }

    private void CheckIdle()
    {
        lock (_gate)
        {
            if (_exitWhenIdle && _client is null && Volatile.Read(ref _running) == 0)
            {
                _idle.TrySetResult();
            }
        }
    }

    private string ExitsPath => Path.Combine(_dir, "shim-exits.json");

    /// <summary>The shim's pid, for operators and tests (the lock file is locked, so it cannot carry it).</summary>
    private string PidPath => Path.Combine(_dir, "shim.pid");

    /// <summary>Exits the agent has not forgotten yet outlive this shim (owner-only: the records hold env values).</summary>
    private void SaveExits()
    {
        var exited = _entries.Values.Where(e => e.Exit is not null).Select(e => e.Describe(withRecords: true)).ToList();
        if (exited.Count == 0)
        {
            File.Delete(ExitsPath);
            return;
        }

        PrivateFile.WriteAtomically(ExitsPath, JsonSerializer.SerializeToUtf8Bytes(exited, ShimJson.Default.ListShimContainer));
    }

    private void LoadExits()
    {
        List<ShimContainer>? exited = null;
        try
        {
            exited = JsonSerializer.Deserialize(File.ReadAllBytes(ExitsPath), ShimJson.Default.ListShimContainer);
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            // none saved, or torn
        }

        foreach (var c in exited ?? [])
        {
            if (c is { Exit: { } exit, Record: { } record, Sandbox: { } sandbox })
            {
                _entries[c.Id] = new Entry(sandbox, record, c.Pid, c.PidStartTime, c.StartedAt, null) { Exit = exit };
            }
        }

        File.Delete(ExitsPath);
    }

    private sealed class Entry(SandboxRecord sandbox, ContainerRecord record, int pid, ulong pidStartTime, DateTimeOffset startedAt, ChildProcess? process)
    {
        public ChildProcess? Process { get; } = process;

        public ShimExit? Exit { get; set; }

        public ShimContainer Describe(bool withRecords) => new()
        {
            Id = record.Id,
            Pid = pid,
            PidStartTime = pidStartTime,
            StartedAt = startedAt,
            Exit = Exit,
            Sandbox = withRecords ? sandbox : null,
            Record = withRecords ? record : null,
        };
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "Shim started container {Id} as pid {Pid}")]
        public static partial void Started(ILogger logger, string id, int pid);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Shim ignored a message it does not know: {Op}")]
        public static partial void UnknownMessage(ILogger logger, string op);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the log of container {Id} failed; its output is dropped until a write succeeds")]
        public static partial void LogWriteFailed(ILogger logger, Exception exception, string id);

        [LoggerMessage(Level = LogLevel.Error, Message = "Shim reactor source failed")]
        public static partial void ReactorFailed(ILogger logger, Exception exception);
    }
}

/// <summary>Another shim already owns this DataDir.</summary>
internal sealed class ShimBusyException(string message) : Exception(message);
