using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Podvisor.Runtime.Process.Native;

namespace Podvisor.Runtime.Process;

/// <summary>Something the reactor thread calls when its descriptor is readable (or hung up).</summary>
internal interface IReactorSource
{
    /// <summary>Runs on the reactor thread; must not block.</summary>
    void OnReady(Reactor reactor, uint events);
}

/// <summary>
/// One dedicated epoll thread for every pod: process exits (pidfds) and container output (non-blocking pipes).
/// Nothing polls; level-triggered readiness wakes the thread. Sources unregister themselves on the reactor thread.
/// </summary>
internal sealed unsafe class Reactor : IDisposable
{
    private const int MaxEvents = 64;
    private const ulong WakeToken = 0;

    private static readonly bool PackedEvents = RuntimeInformation.ProcessArchitecture == Architecture.X64;
    private static readonly int EventSize = PackedEvents ? 12 : 16;
    private static readonly int DataOffset = PackedEvents ? 4 : 8;

    private readonly ConcurrentDictionary<ulong, IReactorSource> _sources = new();
    private readonly int _epoll;
    private readonly int _wake;
    private readonly Thread _thread;
    private readonly Action<Exception> _onError;
    private ulong _nextToken;
    private volatile bool _disposed;

    /// <param name="onError">Receives exceptions thrown by a source; the reactor keeps running.</param>
    public Reactor(Action<Exception> onError)
    {
        _onError = onError;
        _epoll = Check(Libc.epoll_create1(Libc.O_CLOEXEC), "epoll_create1");
        _wake = Check(Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK), "eventfd");
        Control(Libc.EPOLL_CTL_ADD, _wake, WakeToken, Libc.EPOLLIN);
        _thread = new Thread(Run) { IsBackground = true, Name = "podvisor-reactor" };
        _thread.Start();
    }

    /// <summary>A scratch buffer for reads on the reactor thread (single-threaded use only).</summary>
    public byte[] ReadBuffer { get; } = new byte[64 * 1024];

    /// <summary>Watches <paramref name="fd"/> for <paramref name="events"/> (readability by default); returns the token to pass to <see cref="Remove"/>.</summary>
    public ulong Add(int fd, IReactorSource source, uint events = Libc.EPOLLIN)
    {
        var token = Interlocked.Increment(ref _nextToken);
        _sources[token] = source;
        Control(Libc.EPOLL_CTL_ADD, fd, token, events);
        return token;
    }

    /// <summary>Stops watching <paramref name="fd"/>. Call before closing it.</summary>
    public void Remove(int fd, ulong token)
    {
        _sources.TryRemove(token, out _);
        Libc.epoll_ctl(_epoll, Libc.EPOLL_CTL_DEL, fd, null);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        ulong one = 1;
        Libc.write(_wake, (byte*)&one, sizeof(ulong));
        _thread.Join();
        Libc.close(_wake);
        Libc.close(_epoll);
    }

    private void Control(int op, int fd, ulong token, uint events)
    {
        var ev = stackalloc byte[16];
        *(uint*)ev = events;
        *(ulong*)(ev + DataOffset) = token;
        Check(Libc.epoll_ctl(_epoll, op, fd, ev), "epoll_ctl");
    }

    private void Run()
    {
        var events = stackalloc byte[MaxEvents * 16];
        while (!_disposed)
        {
            var n = Libc.epoll_wait(_epoll, events, MaxEvents, -1);
            if (n < 0)
            {
                Check(Libc.Errno == Libc.EINTR ? 0 : -1, "epoll_wait");
                continue;
            }

            for (var i = 0; i < n; i++)
            {
                var ev = events + (i * EventSize);
                var token = *(ulong*)(ev + DataOffset);
                if (token != WakeToken && _sources.TryGetValue(token, out var source))
                {
                    Dispatch(source, *(uint*)ev);
                }
            }
        }
    }

    private void Dispatch(IReactorSource source, uint readyEvents)
    {
        try
        {
            source.OnReady(this, readyEvents);
        }
        catch (Exception e)
        {
            _onError(e);
        }
    }

    private static int Check(int result, string call) =>
        result >= 0 ? result : throw new IOException($"{call}: {Libc.Describe(Libc.Errno)}");
}
