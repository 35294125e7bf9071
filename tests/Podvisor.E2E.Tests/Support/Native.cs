using System.Runtime.InteropServices;

namespace Podvisor.E2E.Tests.Support;

/// <summary>The few libc calls the end-to-end tests need: the effective uid, sending a signal, waiting for an exit.</summary>
internal static partial class Native
{
    public const int SIGTERM = 15;

    public static bool IsRoot => geteuid() == 0;

    [LibraryImport("libc")]
    private static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int signal);

    /// <summary>
    /// Waits, without polling, until the process with this pid ends (pidfd_open + poll on a pool thread); true at once
    /// when there is no such process, false after <paramref name="timeout"/>.
    /// </summary>
    public static Task<bool> WaitForExitAsync(int pid, TimeSpan timeout) => Task.Run(() =>
    {
        var fd = (int)syscall(434, pid, 0);
        if (fd < 0)
        {
            return true;
        }

        try
        {
            var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
            while (true)
            {
                // The runtime's own signals can interrupt poll (EINTR): wait again for the rest of the time.
                var poll = new PollFd { Fd = fd, Events = 1 };
                var left = Math.Max(0, deadline - Environment.TickCount64);
                var ready = Poll(ref poll, 1, (int)left);
                if (ready >= 0 || Marshal.GetLastPInvokeError() != EINTR)
                {
                    return ready > 0;
                }
            }
        }
        finally
        {
            _ = close(fd);
        }
    });

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    private const int EINTR = 4;

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(ref PollFd fds, ulong count, int timeout);

    [LibraryImport("libc")]
    private static partial long syscall(long number, int pid, uint flags);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}

/// <summary>
/// A fact that runs real processes in network namespaces, bind-mounted volumes or as another user: root only, skipped
/// with the reason otherwise.
/// </summary>
public sealed class RootFactAttribute : FactAttribute
{
    public const string Reason = "needs root: pods get network namespaces, bind-mounted volumes and runAsUser only as root";

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
