using Podvisor.Runtime.Process.Native;

namespace Podvisor.Runtime.Process;

/// <summary>Output pipes. Pipes, not sockets, so that a container can open /dev/stdout (as with containerd FIFOs).</summary>
internal static unsafe class Pipes
{
    /// <summary>A close-on-exec pipe whose read end is non-blocking (for the reactor) and write end blocking (for the child).</summary>
    public static (SafeFd Read, SafeFd Write) Create()
    {
        var fds = stackalloc int[2];
        if (Libc.pipe2(fds, Libc.O_CLOEXEC) != 0)
        {
            throw new IOException($"pipe2: {Libc.Describe(Libc.Errno)}");
        }

        var read = new SafeFd(fds[0]);
        var write = new SafeFd(fds[1]);
        Libc.fcntl(fds[0], Libc.F_SETFL, Libc.fcntl(fds[0], Libc.F_GETFL, 0) | Libc.O_NONBLOCK);
        return (read, write);
    }
}
