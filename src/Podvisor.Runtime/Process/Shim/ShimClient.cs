using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Podvisor.Runtime.Process.Shim;

/// <summary>
/// The agent's end of the shim socket: requests with replies matched by sequence number, and exits delivered to the
/// <see cref="ContainerProcess"/> registered for each container.
/// </summary>
internal sealed class ShimClient : IAsyncDisposable
{
    private readonly ShimConnection _connection;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<ShimMessage>> _pending = new();
    private readonly ConcurrentDictionary<string, ContainerProcess> _processes = new();

    /// <summary>Exits read before their process was adopted (the container was running at Hello and exited since).</summary>
    private readonly Dictionary<string, ProcessExit> _unclaimedExits = new(StringComparer.Ordinal);

    private readonly Lock _exitsGate = new();
    private readonly TimeProvider _time;
    private long _seq;
    private int _disposing;
    private volatile bool _closed;

    private ShimClient(Socket socket, TimeProvider time)
    {
        _connection = new ShimConnection(socket);
        _time = time;
        Closed = ReadAsync();
    }

    /// <summary>Completes when the connection ended; every process registered here is then reported lost.</summary>
    public Task Closed { get; }

    /// <summary>Connects to a listening shim; null when none listens there.</summary>
    public static async Task<ShimClient?> TryConnectAsync(string socketPath, TimeProvider time, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
            return new ShimClient(socket, time);
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }

    /// <summary>Every container the shim owns, with the records it was started with.</summary>
    public async Task<IReadOnlyList<ShimContainer>> HelloAsync() =>
        (await RequestAsync(new ShimMessage { Op = ShimOps.Hello })).Containers ?? [];

    /// <summary>
    /// Spawns the container in the shim. The returned process is registered before the request is sent, so its exit
    /// cannot be missed. Throws <see cref="SpawnFailure"/> with containerd's message when it could not start.
    /// </summary>
    public async Task<(ContainerProcess Process, DateTimeOffset StartedAt)> StartAsync(ShimStart start)
    {
        var id = start.Container.Id;
        var process = new ContainerProcess(id, this);
        _processes[id] = process;
        var reply = await RequestAsync(new ShimMessage { Op = ShimOps.Start, Start = start }, process);
        if (reply.Container is not { } started)
        {
            _processes.TryRemove(id, out _);
            throw new SpawnFailure(reply.Error ?? "the shim did not start the container");
        }

        return (process, started.StartedAt);
    }

    /// <summary>
    /// A process the shim reported at Hello, registered for its exit: reported at once if it exited before Hello or
    /// between Hello and this call.
    /// </summary>
    public ContainerProcess Adopt(ShimContainer container)
    {
        var process = new ContainerProcess(container.Id, this);
        process.Bind(container.Pid, container.PidStartTime);
        ProcessExit? exit;
        lock (_exitsGate)
        {
            _processes[container.Id] = process;
            exit = container.Exit is { } atHello ? new ProcessExit(atHello.ExitCode, atHello.FinishedAt)
                : _unclaimedExits.Remove(container.Id, out var since) ? since : null;
        }

        if (exit is { } exited)
        {
            process.Exited(exited);
        }

        return process;
    }

    public void Signal(string id, int signal) => _connection.Send(new ShimMessage { Op = ShimOps.Signal, Id = id, Signal = signal });

    /// <summary>The agent removed the container: the shim drops its exit status.</summary>
    public void Forget(string id)
    {
        lock (_exitsGate)
        {
            _processes.TryRemove(id, out _);
            _unclaimedExits.Remove(id);
        }

        _connection.Send(new ShimMessage { Op = ShimOps.Forget, Id = id });
    }

    /// <summary>Disconnects; the shim keeps the processes (nothing is reported lost).</summary>
    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _disposing, 1);
        await _connection.DisposeAsync();
        await Closed;
    }

    private async Task<ShimMessage> RequestAsync(ShimMessage request, ContainerProcess? starting = null)
    {
        var seq = Interlocked.Increment(ref _seq);
        var reply = new TaskCompletionSource<ShimMessage>(starting, TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[seq] = reply;
        if (_closed)
        {
            _pending.TryRemove(seq, out _);
            throw new IOException("the shim connection is closed");
        }

        _connection.Send(request with { Seq = seq });
        return await reply.Task;
    }

    private async Task ReadAsync()
    {
        await Task.Yield();
        await _connection.RunAsync(Received);
        _closed = true; // before the drain: a request registered after it sees the flag, one before it is drained
        foreach (var seq in _pending.Keys)
        {
            if (_pending.TryRemove(seq, out var reply))
            {
                reply.TrySetException(new IOException("the shim connection closed"));
            }
        }

        foreach (var process in Volatile.Read(ref _disposing) == 0 ? _processes.Values : [])
        {
            process.Exited(new ProcessExit(null, _time.GetUtcNow()));
        }
    }

    /// <summary>On the read loop: a Started reply binds its process before any later Exited event is read.</summary>
    private void Received(ShimMessage message)
    {
        if (message.Op == ShimOps.Exited)
        {
            if (message is { Id: { } id, Container.Exit: { } exit })
            {
                var exited = new ProcessExit(exit.ExitCode, exit.FinishedAt);
                ContainerProcess? process;
                lock (_exitsGate)
                {
                    if (!_processes.TryGetValue(id, out process))
                    {
                        _unclaimedExits[id] = exited;
                    }
                }

                process?.Exited(exited);
            }

            return;
        }

        if (!_pending.TryRemove(message.Seq, out var reply))
        {
            return;
        }

        if (message is { Op: ShimOps.Started, Container: { } started } && reply.Task.AsyncState is ContainerProcess starting)
        {
            starting.Bind(started.Pid, started.PidStartTime);
        }

        reply.TrySetResult(message);
    }
}
