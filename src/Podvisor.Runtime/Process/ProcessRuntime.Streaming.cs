using System.Net;
using System.Net.Sockets;
using Podvisor.Runtime.Process.Native;

namespace Podvisor.Runtime.Process;

/// <summary>A terminal size in characters (the resize channel's <c>{"Width":W,"Height":H}</c>).</summary>
public readonly record struct TerminalSize(ushort Width, ushort Height);

/// <summary>The client's side of an interactive exec (CRI Exec); a stream is null when the client did not ask for it.</summary>
public sealed record ExecStreams
{
    /// <summary>Read until end of file; then the command's stdin is closed (a terminal stays open).</summary>
    public Stream? Stdin { get; init; }

    public Stream? Stdout { get; init; }

    /// <summary>Unused with <see cref="Tty"/>: a terminal has one output.</summary>
    public Stream? Stderr { get; init; }

    /// <summary>Run the command on a new pseudo-terminal that is its controlling terminal.</summary>
    public bool Tty { get; init; }

    /// <summary>Terminal sizes in order (applied with TIOCSWINSZ); only with <see cref="Tty"/>.</summary>
    public IAsyncEnumerable<TerminalSize>? Resize { get; init; }
}

public sealed partial class ProcessRuntime
{
    /// <summary>How long output may still flow from escaped descendants after the exec's leader exited (as for containers).</summary>
    private static readonly TimeSpan ExecDrainTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Mirrors CRI Exec: argv as <see cref="ExecSyncAsync"/> runs it (the container's namespaces, env, user and
    /// workingDir), wired to <paramref name="streams"/> through pipes, or through a pty that is its controlling terminal
    /// (<c>TERM=xterm</c> added when unset, as containerd does for a tty). Returns the exit code (128+N for signal N)
    /// once output has been copied. Cancelling <paramref name="ct"/> (the client went away) SIGKILLs the exec's process
    /// group. A container that is not running or a command that cannot start throws <see cref="ContainerStartException"/>.
    /// </summary>
    public async ValueTask<int> ExecAsync(string containerId, IReadOnlyList<string> argv, ExecStreams streams, CancellationToken ct)
    {
        var (container, target) = RunningContainer(containerId);
        var config = container.Record.Config;
        using var stdio = ExecStdio.Open(_reactor, streams, () => CredentialsFor(config));
        using var stopInput = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var resize = stdio.ResizeAsync(streams, stopInput.Token);
        var input = Task.CompletedTask;
        try
        {
            var (pid, pidfd) = await SpawnExecAsync(container.Record, target, argv, stdio.Child);
            stdio.CloseChildEnds();
            var exec = ChildProcess.Watch(_reactor, pid, pidfd, _time);
            using var kill = ct.Register(() => exec.SignalGroup(Libc.SIGKILL));
            input = stdio.CopyInputAsync(streams, stopInput.Token);
            var output = stdio.CopyOutputAsync(streams, ct);
            var exit = await exec.Completion;
            try
            {
                await output.WaitAsync(ExecDrainTimeout, _time, CancellationToken.None);
            }
            catch (TimeoutException)
            {
            }

            return exit.ExitCode ?? -1;
        }
        finally
        {
            await stopInput.CancelAsync();
            await Task.WhenAll(input, resize);
        }
    }

    /// <summary>
    /// Mirrors the CRI PortForward of containerd: a TCP connection to 127.0.0.1:<paramref name="port"/> inside the
    /// pod's network namespace (the host's for hostNetwork pods and without root). Throws <see cref="IOException"/>
    /// with containerd's wording when nothing listens there or the pod has no ready sandbox.
    /// </summary>
    public async ValueTask<Stream> PortForwardAsync(string podUid, ushort port, CancellationToken ct)
    {
        var sandbox = ReadySandbox(podUid) ?? throw new IOException($"failed to find sandbox for pod \"{podUid}\"");
        var socket = sandbox.Netns.Fd is { } netns ? await SocketInAsync(netns) : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            var where = sandbox.Record.Netns ?? "host";
            throw new IOException($"failed to connect to localhost:{port} inside namespace \"{where}\", IPv4: dial tcp4 127.0.0.1:{port}: connect: {e.Message.ToLowerInvariant()}", e);
        }
    }

    private (ContainerInstance Container, SafeFd Pidfd) RunningContainer(string containerId)
    {
        var container = Container(containerId);
        return container.Process is { HasExited: false, Pidfd: { } target }
            ? (container, target)
            : throw new ContainerStartException($"container \"{containerId}\" is not running");
    }

    /// <summary>The one exec spawn (exec probes, hooks and interactive exec): the container's namespaces, env, user, workingDir.</summary>
    private async ValueTask<(int Pid, SafeFd Pidfd)> SpawnExecAsync(ContainerRecord record, SafeFd target, IReadOnlyList<string> argv, ExecIo io)
    {
        var config = record.Config;
        SpawnOutcome outcome;
        try
        {
            var env = EnvironmentOf(record);
            if (io.Terminal is not null && !env.Exists(e => e.StartsWith("TERM=", StringComparison.Ordinal)))
            {
                env.Add("TERM=xterm");
            }

            outcome = await _spawner.SpawnAsync(new SpawnSpec
            {
                Argv = argv.Count > 0 ? argv : throw new SpawnFailure("no command specified"),
                Env = env,
                WorkingDir = string.IsNullOrEmpty(config.WorkingDir) ? "/" : config.WorkingDir,
                Credentials = CredentialsFor(config),
                Capabilities = CapabilitiesFor(config),
                NoNewPrivileges = config.Security.NoNewPrivileges,
                Namespaces = _privileged ? new NamespacePlan.JoinProcess(target) : new NamespacePlan.Host(),
                Stdin = io.Stdin,
                Terminal = io.Terminal,
                Stdout = io.Stdout,
                Stderr = io.Stderr,
            });
        }
        catch (SpawnFailure failure)
        {
            outcome = new SpawnOutcome(0, null, failure.Message);
        }

        return outcome.Started ? (outcome.Pid, outcome.Pidfd!) : throw new ContainerStartException(outcome.Error!);
    }

    private SandboxInstance? ReadySandbox(string podUid)
    {
        if (!_pods.TryGetValue(podUid, out var entry))
        {
            return null;
        }

        lock (entry)
        {
            return entry.Sandboxes.LastOrDefault(s => s.Record.Ready);
        }
    }

    /// <summary>
    /// A TCP socket created inside <paramref name="netns"/>: a socket belongs to the namespace of the thread that creates
    /// it, so a short-lived thread of its own enters the namespace, creates it and ends (the namespace ends with it).
    /// </summary>
    private static Task<Socket> SocketInAsync(SafeFd netns)
    {
        var created = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            var added = false;
            try
            {
                netns.DangerousAddRef(ref added);
                if (Libc.setns(netns.Fd, Libc.CLONE_NEWNET) != 0)
                {
                    throw new IOException($"enter pod network namespace: {Libc.Describe(Libc.Errno)}");
                }

                created.SetResult(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
            }
            catch (Exception e)
            {
                created.TrySetException(e is ObjectDisposedException ? new IOException("the pod's network namespace is gone", e) : e);
            }
            finally
            {
                if (added)
                {
                    netns.DangerousRelease();
                }
            }
        }) { IsBackground = true, Name = "podvisor-portforward" };
        thread.Start();
        return created.Task;
    }
}
