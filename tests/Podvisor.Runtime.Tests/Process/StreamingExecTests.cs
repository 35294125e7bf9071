using System.IO.Pipelines;
using System.Text;
using System.Threading.Channels;
using Podvisor.Runtime.Process;

namespace Podvisor.Runtime.Tests.Process;

/// <summary>Interactive exec (pipes and a pty) and port-forward of the process runtime (CRI Exec/PortForward).</summary>
public sealed class StreamingExecTests : IAsyncLifetime
{
    private RuntimeHarness _h = null!;

    public async Task InitializeAsync() => _h = await RuntimeHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Exec_CopiesStdinToStdout_SeparatesStderr_ReturnsExitCode()
    {
        var id = await RunningContainerAsync();
        var stdin = new MemoryStream(Encoding.UTF8.GetBytes("hello\nworld\n"));
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();

        var code = await _h.Runtime.ExecAsync(id, ["sh", "-c", "cat; echo oops >&2; exit 3"], new ExecStreams { Stdin = stdin, Stdout = stdout, Stderr = stderr }, _h.Deadline);

        Assert.Equal(3, code);
        Assert.Equal("hello\nworld\n", Encoding.UTF8.GetString(stdout.ToArray()));
        Assert.Equal("oops\n", Encoding.UTF8.GetString(stderr.ToArray()));
    }

    [Fact]
    public async Task Exec_WithoutStdin_SeesEndOfFile_AndAKilledCommandReports128PlusSignal()
    {
        var id = await RunningContainerAsync();
        var stdout = new MemoryStream();

        var code = await _h.Runtime.ExecAsync(id, ["sh", "-c", "cat; echo done; kill -9 $$"], new ExecStreams { Stdout = stdout }, _h.Deadline);

        Assert.Equal(137, code);
        Assert.Equal("done\n", Encoding.UTF8.GetString(stdout.ToArray()));
    }

    [Fact]
    public async Task Exec_OfAMissingBinary_ThrowsTheRuncMessage()
    {
        var id = await RunningContainerAsync();

        var error = await Assert.ThrowsAsync<ContainerStartException>(() =>
            _h.Runtime.ExecAsync(id, ["no-such-binary"], new ExecStreams { Stdout = Stream.Null }, _h.Deadline).AsTask());

        Assert.Equal("exec: \"no-such-binary\": executable file not found in $PATH", error.Message);
    }

    [Fact]
    public async Task Exec_InAnExitedContainer_ThrowsNotRunning()
    {
        var sandbox = await _h.SandboxAsync();
        var config = _h.Config("c", "true");
        var status = await _h.RunToExitAsync(sandbox, config);

        await Assert.ThrowsAsync<ContainerStartException>(() =>
            _h.Runtime.ExecAsync(status.Id, ["true"], new ExecStreams(), _h.Deadline).AsTask());
    }

    [Fact]
    public async Task Exec_WithATty_RunsOnItsControllingTerminal_WithTheRequestedSize()
    {
        var id = await RunningContainerAsync();
        var resize = Channel.CreateUnbounded<TerminalSize>();
        resize.Writer.TryWrite(new TerminalSize(123, 45));
        var input = new Pipe();
        var stdout = new MemoryStream();
        var exec = _h.Runtime.ExecAsync(id, ["sh", "-c", "read line; test -t 0 && tty >/dev/null && stty size && echo \"got $line $TERM\""],
            new ExecStreams { Tty = true, Stdin = input.Reader.AsStream(), Stdout = stdout, Resize = resize.Reader.ReadAllAsync() }, _h.Deadline).AsTask();

        // The line discipline echoes the input and turns \n into \r\n, as on any terminal.
        await input.Writer.WriteAsync(Encoding.UTF8.GetBytes("ping\n"));
        var code = await exec;

        Assert.Equal(0, code);
        Assert.Equal("ping\r\n45 123\r\ngot ping xterm\r\n", Encoding.UTF8.GetString(stdout.ToArray()));
    }

    [Fact]
    public async Task Exec_CancelledByTheClient_KillsTheCommand()
    {
        var id = await RunningContainerAsync();
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(_h.Deadline);
        var started = new StartSignal();
        var exec = _h.Runtime.ExecAsync(id, ["sh", "-c", "echo up; exec sleep 600"], new ExecStreams { Stdout = started }, gone.Token).AsTask();
        await started.Started.WaitAsync(_h.Deadline);

        await gone.CancelAsync();

        Assert.Equal(137, await exec.WaitAsync(_h.Deadline));
    }

    [Fact]
    public async Task PortForward_ConnectsToLoopbackInsideThePod_AndReportsARefusedPort()
    {
        var sandbox = await _h.SandboxAsync();
        var port = (ushort)Random.Shared.Next(20000, 30000);
        var server = _h.Config("server", "python3", "-c",
            $"import socket\ns=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', {port})); s.listen(1); print('listening', flush=True)\nc,_=s.accept(); c.sendall(c.recv(100).upper()); c.close()");
        await _h.StartAsync(sandbox, server);
        await WaitForLogAsync(server, "listening");

        await using (var stream = await _h.Runtime.PortForwardAsync(_h.PodUid, port, _h.Deadline))
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes("abc"), _h.Deadline);
            var reply = new byte[3];
            await stream.ReadExactlyAsync(reply, _h.Deadline);
            Assert.Equal("ABC", Encoding.UTF8.GetString(reply));
        }

        var refused = await Assert.ThrowsAsync<IOException>(() => _h.Runtime.PortForwardAsync(_h.PodUid, (ushort)(port + 1), _h.Deadline).AsTask());
        Assert.Contains($"failed to connect to localhost:{port + 1} inside namespace", refused.Message);
        Assert.EndsWith("connect: connection refused", refused.Message);
    }

    private async Task<string> RunningContainerAsync()
    {
        var sandbox = await _h.SandboxAsync();
        return await _h.StartAsync(sandbox, _h.Config("main", "sleep", "600"));
    }

    private async Task WaitForLogAsync(Runtime.ContainerConfig config, string text)
    {
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(config.LogPath)!);
        var changed = new SemaphoreSlim(0);
        watcher.Changed += (_, _) => changed.Release();
        watcher.EnableRaisingEvents = true;
        while (!RuntimeHarness.Log(config).Any(e => e.Content.Contains(text, StringComparison.Ordinal)))
        {
            await changed.WaitAsync(_h.Deadline);
        }
    }

    /// <summary>A stdout that signals its first write.</summary>
    private sealed class StartSignal : MemoryStream
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Started => _started.Task;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _started.TrySetResult();
            return base.WriteAsync(buffer, cancellationToken);
        }
    }
}
