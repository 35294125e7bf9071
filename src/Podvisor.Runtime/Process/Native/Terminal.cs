using System.Runtime.InteropServices;

namespace Podvisor.Runtime.Process.Native;

/// <summary>glibc pseudo-terminal entry points and the Linux constants interactive exec needs.</summary>
internal static unsafe partial class Terminal
{
    private const string Lib = "libc";

    public const int O_RDWR = 2, O_NOCTTY = 0x100;
    public const int EIO = 5;
    public const uint EPOLLOUT = 0x004;
    private const ulong TIOCSWINSZ = 0x5414;

    /// <summary>
    /// A new pty: the master (non-blocking, close-on-exec) and the slave's path, owned by <paramref name="uid"/> and
    /// <paramref name="gid"/> so that a container user can open it, as runc hands a container its console.
    /// </summary>
    public static (SafeFd Master, string SlavePath) Open(uint uid, uint gid)
    {
        var master = new SafeFd(posix_openpt(O_RDWR | O_NOCTTY | Libc.O_CLOEXEC));
        if (master.IsInvalid)
        {
            throw new IOException($"posix_openpt: {Libc.Describe(Libc.Errno)}");
        }

        try
        {
            var name = stackalloc byte[128];
            if (grantpt(master.Fd) != 0 || unlockpt(master.Fd) != 0 || ptsname_r(master.Fd, name, 128) != 0)
            {
                throw new IOException($"pty setup: {Libc.Describe(Libc.Errno)}");
            }

            var path = Marshal.PtrToStringUTF8((nint)name)!;
            if (chown(path, uid, gid) != 0)
            {
                throw new IOException($"chown {path}: {Libc.Describe(Libc.Errno)}");
            }

            Libc.fcntl(master.Fd, Libc.F_SETFL, Libc.fcntl(master.Fd, Libc.F_GETFL, 0) | Libc.O_NONBLOCK);
            return (master, path);
        }
        catch
        {
            master.Dispose();
            throw;
        }
    }

    /// <summary>TIOCSWINSZ on the master: the terminal's size in characters.</summary>
    public static void Resize(SafeFd master, ushort width, ushort height)
    {
        var size = stackalloc ushort[4] { height, width, 0, 0 };
        ioctl(master.Fd, TIOCSWINSZ, size);
    }

    [LibraryImport(Lib, SetLastError = true)]
    private static partial int posix_openpt(int flags);

    [LibraryImport(Lib, SetLastError = true)]
    private static partial int grantpt(int fd);

    [LibraryImport(Lib, SetLastError = true)]
    private static partial int unlockpt(int fd);

    [LibraryImport(Lib, SetLastError = true)]
    private static partial int ptsname_r(int fd, byte* buffer, nuint length);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int chown(string path, uint uid, uint gid);

    [LibraryImport(Lib, SetLastError = true)]
    private static partial int ioctl(int fd, ulong request, void* arg);
}
