using System.Collections;
using Microsoft.Extensions.Logging;
using Podvisor.Runtime.Process.Native;
using Podvisor.Runtime.Process.Shim;

namespace Podvisor.Runtime.Process;

public sealed partial class ProcessRuntime
{
    private static readonly TimeSpan ShimReadyTimeout = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _shimGate = new(1, 1);
    private ShimServer? _shimHost;
    private ShimClient? _shim;

    private string RuntimeDir => Path.Combine(_options.DataDir, "runtime");

    private string ShimLog => Path.Combine(RuntimeDir, "shim.log");

    /// <summary>
    /// Connects to the DataDir's shim and asks what it owns. A shim is started when none listens: in this process
    /// without <see cref="ProcessRuntimeOptions.ShimCommand"/>, else as a process of its own.
    /// </summary>
    private async Task<IReadOnlyList<ShimContainer>> OpenShimAsync(CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var shim = await ConnectShimAsync(ct);
            try
            {
                return await shim.HelloAsync();
            }
            catch (IOException) when (attempt < 3)
            {
                // It went idle and exited as we connected: start another.
                _shim = null;
                await shim.DisposeAsync();
            }
        }
    }

    /// <summary>The connected shim; a lost one is replaced (its containers were reported lost).</summary>
    private async ValueTask<ShimClient> ShimAsync()
    {
        if (_shim is { Closed.IsCompleted: false } shim)
        {
            return shim;
        }

        await _shimGate.WaitAsync();
        try
        {
            if (_shim is { Closed.IsCompleted: false } current)
            {
                return current;
            }

            var replacement = await ConnectShimAsync(CancellationToken.None);
            await replacement.HelloAsync();
            return replacement;
        }
        finally
        {
            _shimGate.Release();
        }
    }

    private async Task<ShimClient> ConnectShimAsync(CancellationToken ct)
    {
        var socket = ShimServer.SocketPath(RuntimeDir);
        for (var attempt = 1; ; attempt++)
        {
            if (await ShimClient.TryConnectAsync(socket, _time, ct) is { } client)
            {
                _shim = client;
                return client;
            }

            if (attempt == 3)
            {
                throw new IOException($"no container shim answers at {socket} (its log: {ShimLog})");
            }

            if (_options.ShimCommand is not { } command)
            {
                try
                {
                    _shimHost = ShimServer.Listen(RuntimeDir, _privileged, _time, _logger, exitWhenIdle: false);
                }
                catch (ShimBusyException)
                {
                    // Another runtime's shim took the DataDir between our connect and now: connect to it.
                }
            }
            else
            {
                await LaunchShimAsync(command, ct);
            }
        }
    }

    /// <summary>
    /// Starts <c>podvisor shim</c> in a session of its own with this process's environment, its stderr appended to
    /// <c>runtime/shim.log</c>, and waits for the line it prints once it listens (or for its end of output).
    /// </summary>
    private async Task LaunchShimAsync(IReadOnlyList<string> command, CancellationToken ct)
    {
        var logFd = Libc.open(ShimLog, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_APPEND | Libc.O_CLOEXEC, 0b110_000_000);
        if (logFd < 0)
        {
            throw new IOException($"open {ShimLog}: {Libc.Describe(Libc.Errno)}");
        }

        using var log = new SafeFd(logFd);
        var (read, write) = Pipes.Create();
        SpawnOutcome outcome;
        try
        {
            List<string> argv = [.. command, "--data-dir", _options.DataDir];
            if (!_privileged && Libc.geteuid() == 0)
            {
                argv.AddRange(["--privileged", "false"]);
            }

            outcome = await _spawner.SpawnAsync(new SpawnSpec
            {
                Argv = argv,
                Env = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>().Select(e => $"{e.Key}={e.Value}").ToList(),
                WorkingDir = "/",
                Namespaces = new NamespacePlan.Host(),
                Stdout = write,
                Stderr = log,
            });
        }
        finally
        {
            write.Dispose();
        }

        if (!outcome.Started)
        {
            read.Dispose();
            throw new IOException($"start the container shim ({string.Join(' ', command)}): {outcome.Error}");
        }

        var ready = new ReadyLine();
        ChildProcess.Watch(_reactor, outcome.Pid, outcome.Pidfd!, _time, (read, ready)); // reaps it should it exit while we run
        await ready.Seen.WaitAsync(ShimReadyTimeout, ct);
        Log.ShimStarted(_logger, outcome.Pid, ShimLog);
    }

    /// <summary>Completes at the shim's first line (it listens) or at its end of output (it exited or found another shim).</summary>
    private sealed class ReadyLine : IOutputSink
    {
        private readonly TaskCompletionSource _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Seen => _seen.Task;

        public void Write(ReadOnlySpan<byte> data)
        {
            if (data.Contains((byte)'\n'))
            {
                _seen.TrySetResult();
            }
        }

        public void Complete() => _seen.TrySetResult();
    }
}
