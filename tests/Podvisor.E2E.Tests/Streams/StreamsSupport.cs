using System.Runtime.InteropServices;
using Podvisor.E2E.Tests.Api;

namespace Podvisor.E2E.Tests.Streams;

/// <summary>Skips unless the given kubectl versions (and, when asked, util-linux <c>script</c>) are installed.</summary>
internal sealed class StreamsTheoryAttribute : TheoryAttribute
{
    private readonly string[] _versions;

    public StreamsTheoryAttribute(params string[] versions)
    {
        _versions = versions;
        UpdateSkip(false);
    }

    /// <summary>The test drives kubectl through a pty made by <c>/usr/bin/script</c>.</summary>
    public bool NeedsScript
    {
        get => false;
        set => UpdateSkip(value);
    }

    private void UpdateSkip(bool needsScript)
    {
        var missing = _versions.Where(v => !File.Exists(Kubectl.PathOf(v))).ToList();
        if (missing.Count > 0)
        {
            Skip = $"kubectl {string.Join(", ", missing)} not installed at {Kubectl.PathOf(missing[0])}: the stream tests need it";
        }
        else if (needsScript && !File.Exists("/usr/bin/script"))
        {
            Skip = "util-linux script (/usr/bin/script) is needed to give kubectl a terminal";
        }
    }
}

/// <summary>Waits for a process that is not this one's child to exit, through a pidfd (no polling of /proc).</summary>
internal sealed partial class PidExit : IDisposable
{
    private const long PidfdOpen = 434;
    private const short PollIn = 1;
    private const int EINTR = 4;
    private readonly int _pidfd;

    private PidExit(int pidfd) => _pidfd = pidfd;

    /// <summary>A watch on <paramref name="pid"/>; a process already gone counts as exited.</summary>
    public static PidExit Watch(int pid) => new((int)syscall(PidfdOpen, pid, 0, 0));

    public async Task WaitAsync(TimeSpan timeout)
    {
        if (_pidfd < 0)
        {
            return;
        }

        var exited = await Task.Run(() =>
        {
            var fd = new PollFd { Fd = _pidfd, Events = PollIn };
            int ready;
            do
            {
                // The .NET runtime's own signals (thread suspension) interrupt poll.
                ready = poll(ref fd, 1, (int)timeout.TotalMilliseconds);
            }
            while (ready < 0 && Marshal.GetLastPInvokeError() == EINTR);

            return ready > 0;
        });
        Assert.True(exited, $"the process did not exit within {timeout}");
    }

    public void Dispose()
    {
        if (_pidfd >= 0)
        {
            _ = close(_pidfd);
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, long a1, long a2, long a3);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(ref PollFd fds, nuint count, int timeout);

    [LibraryImport("libc")]
    private static partial int close(int fd);

    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }
}
