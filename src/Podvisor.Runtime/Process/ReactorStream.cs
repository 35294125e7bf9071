using Podvisor.Runtime.Process.Native;

namespace Podvisor.Runtime.Process;

/// <summary>
/// An asynchronous stream over a non-blocking descriptor (a pipe end or a pty master): reads and writes are tried at
/// once and, on EAGAIN, wait for readiness on the <see cref="Reactor"/> thread, so a slow reader on either side
/// holds the other back instead of filling memory, and no thread blocks. End of file is 0 from read, or EIO from a
/// pty master whose slave side is closed. One reader and one writer at a time, each on its own descriptor (epoll
/// watches a descriptor once, so a pty master is dup'ed for writing).
/// </summary>
internal sealed class ReactorStream(Reactor reactor, SafeFd fd) : Stream
{
    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var n = TryRead(buffer.Span, out var errno);
            if (n >= 0)
            {
                return n;
            }

            switch (errno)
            {
                case Libc.EAGAIN:
                    await WaitAsync(Libc.EPOLLIN, cancellationToken).ConfigureAwait(false);
                    break;
                case Libc.EINTR:
                    break;
                case Terminal.EIO:
                    return 0;
                default:
                    throw new IOException($"read: {Libc.Describe(errno)}");
            }
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            var n = TryWrite(buffer.Span, out var errno);
            if (n >= 0)
            {
                buffer = buffer[n..];
            }
            else if (errno == Libc.EAGAIN)
            {
                await WaitAsync(Terminal.EPOLLOUT, cancellationToken).ConfigureAwait(false);
            }
            else if (errno != Libc.EINTR)
            {
                throw new IOException($"write: {Libc.Describe(errno)}");
            }
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous only");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            fd.Dispose();
        }

        base.Dispose(disposing);
    }

    private unsafe int TryRead(Span<byte> buffer, out int errno)
    {
        nint n;
        fixed (byte* p = buffer)
        {
            n = Libc.read(fd.Fd, p, buffer.Length);
        }

        errno = n < 0 ? Libc.Errno : 0;
        return (int)n;
    }

    private unsafe int TryWrite(ReadOnlySpan<byte> buffer, out int errno)
    {
        nint n;
        fixed (byte* p = buffer)
        {
            n = Libc.write(fd.Fd, p, buffer.Length);
        }

        errno = n < 0 ? Libc.Errno : 0;
        return (int)n;
    }

    private async Task WaitAsync(uint events, CancellationToken ct)
    {
        var readiness = new Readiness(fd.Fd);
        readiness.Token = reactor.Add(fd.Fd, readiness, events);
        await using (ct.Register(() => readiness.Cancel(reactor, ct)).ConfigureAwait(false))
        {
            await readiness.Task.ConfigureAwait(false);
        }
    }

    /// <summary>One wait for readiness: unregisters itself when it fires or is cancelled.</summary>
    private sealed class Readiness(int fd) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), IReactorSource
    {
        private int _done;
        private ulong _token;

        /// <summary>Set right after <see cref="Reactor.Add"/> returns; readiness may fire before that.</summary>
        public ulong Token
        {
            get
            {
                SpinWait.SpinUntil(() => Volatile.Read(ref _token) != 0);
                return _token;
            }

            set => Volatile.Write(ref _token, value);
        }

        public void OnReady(Reactor reactor, uint events)
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                reactor.Remove(fd, Token);
                TrySetResult();
            }
        }

        public void Cancel(Reactor reactor, CancellationToken ct)
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                reactor.Remove(fd, Token);
                TrySetCanceled(ct);
            }
        }
    }
}
