using Podvisor.Runtime.Process.Native;

namespace Podvisor.Runtime.Process;

/// <summary>What an exec's child gets as fds 0, 1 and 2 (<see cref="SpawnSpec"/>).</summary>
internal sealed record ExecIo(SafeFd? Stdin, string? Terminal, SafeFd Stdout, SafeFd Stderr);

/// <summary>
/// The descriptors of one interactive exec: the child's ends (<see cref="Child"/>, closed in the agent right after the
/// spawn so that end of file and hang-up reach the right side) and the agent's ends as <see cref="ReactorStream"/>s.
/// A stream the client did not ask for is /dev/null for the child. With a tty the child's 0, 1 and 2 are the pty slave.
/// </summary>
internal sealed class ExecStdio : IDisposable
{
    private const int FDupFdCloexec = 1030;

    private readonly List<SafeFd> _childEnds = [];
    private readonly List<IDisposable> _owned = [];
    private ReactorStream? _stdin;
    private ReactorStream? _stdout;
    private ReactorStream? _stderr;
    private SafeFd? _master;

    private ExecStdio()
    {
    }

    public ExecIo Child { get; private set; } = null!;

    /// <param name="credentials">The exec's identity, for the owner of the pty slave (null: the agent's own).</param>
    public static ExecStdio Open(Reactor reactor, ExecStreams streams, Func<Credentials?> credentials)
    {
        var stdio = new ExecStdio();
        try
        {
            if (streams.Tty)
            {
                stdio.OpenTerminal(reactor, credentials());
            }
            else
            {
                stdio.OpenPipes(reactor, streams);
            }

            return stdio;
        }
        catch
        {
            stdio.Dispose();
            throw;
        }
    }

    /// <summary>Closes the agent's copies of the child's ends (call once the child has been spawned).</summary>
    public void CloseChildEnds()
    {
        foreach (var fd in _childEnds)
        {
            fd.Dispose();
        }
    }

    /// <summary>Client stdin to the command, closing its stdin at end of file (a terminal stays open), until cancelled.</summary>
    public Task CopyInputAsync(ExecStreams streams, CancellationToken ct)
    {
        if (streams.Stdin is not { } source || _stdin is not { } target)
        {
            return Task.CompletedTask;
        }

        return Quietly(async () =>
        {
            await source.CopyToAsync(target, ct);
            if (_master is null)
            {
                target.Dispose();
            }
        });
    }

    /// <summary>Applies terminal sizes until cancelled; a size already sent applies at once, before the command starts.</summary>
    public Task ResizeAsync(ExecStreams streams, CancellationToken ct) =>
        streams.Resize is { } sizes && _master is { } master ? Quietly(() => ResizeAsync(sizes, master, ct)) : Task.CompletedTask;

    /// <summary>Command output to the client until end of file on every output.</summary>
    public Task CopyOutputAsync(ExecStreams streams, CancellationToken ct) => Task.WhenAll(
        Copy(_stdout, streams.Stdout, ct),
        Copy(_stderr, streams.Tty ? null : streams.Stderr, ct));

    public void Dispose()
    {
        CloseChildEnds();
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
    }

    private static Task Copy(ReactorStream? from, Stream? to, CancellationToken ct) =>
        from is null || to is null ? Task.CompletedTask : Quietly(() => from.CopyToAsync(to, ct));

    private static async Task ResizeAsync(IAsyncEnumerable<TerminalSize> sizes, SafeFd master, CancellationToken ct)
    {
        await foreach (var size in sizes.WithCancellation(ct))
        {
            Terminal.Resize(master, size.Width, size.Height);
        }
    }

    /// <summary>The client going away or the command closing its side ends a copy; neither is an error of the exec.</summary>
    private static async Task Quietly(Func<Task> copy)
    {
        try
        {
            await copy();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private void OpenTerminal(Reactor reactor, Credentials? credentials)
    {
        var (master, slavePath) = Terminal.Open(credentials?.Uid ?? Libc.geteuid(), credentials?.Gid ?? uint.MaxValue);
        _master = master;
        _stdout = Own(new ReactorStream(reactor, master));
        var slave = ChildEnd(Libc.open(slavePath, Terminal.O_RDWR | Terminal.O_NOCTTY | Libc.O_CLOEXEC, 0), slavePath);
        _stdin = Own(new ReactorStream(reactor, Dup(master)));
        Child = new ExecIo(null, slavePath, slave, slave);
    }

    private void OpenPipes(Reactor reactor, ExecStreams streams)
    {
        SafeFd? stdin = null;
        if (streams.Stdin is not null)
        {
            var (read, write) = Pipes.Create();
            SetNonBlocking(read, false);
            SetNonBlocking(write, true);
            stdin = ChildEnd(read);
            _stdin = Own(new ReactorStream(reactor, write));
        }

        Child = new ExecIo(stdin, null, Output(reactor, streams.Stdout, ref _stdout), Output(reactor, streams.Stderr, ref _stderr));
    }

    private SafeFd Output(Reactor reactor, Stream? client, ref ReactorStream? agentEnd)
    {
        if (client is null)
        {
            return ChildEnd(Libc.open("/dev/null", Terminal.O_RDWR | Libc.O_CLOEXEC, 0), "/dev/null");
        }

        var (read, write) = Pipes.Create();
        agentEnd = Own(new ReactorStream(reactor, read));
        return ChildEnd(write);
    }

    private SafeFd ChildEnd(int fd, string path) =>
        fd >= 0 ? ChildEnd(new SafeFd(fd)) : throw new IOException($"open {path}: {Libc.Describe(Libc.Errno)}");

    private SafeFd ChildEnd(SafeFd fd)
    {
        _childEnds.Add(fd);
        return fd;
    }

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private static SafeFd Dup(SafeFd fd)
    {
        var copy = Libc.fcntl(fd.Fd, FDupFdCloexec, 0);
        return copy >= 0 ? new SafeFd(copy) : throw new IOException($"dup: {Libc.Describe(Libc.Errno)}");
    }

    private static void SetNonBlocking(SafeFd fd, bool nonBlocking)
    {
        var flags = Libc.fcntl(fd.Fd, Libc.F_GETFL, 0);
        Libc.fcntl(fd.Fd, Libc.F_SETFL, nonBlocking ? flags | Libc.O_NONBLOCK : flags & ~Libc.O_NONBLOCK);
    }
}
