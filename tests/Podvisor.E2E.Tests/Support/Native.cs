using System.Runtime.InteropServices;

namespace Podvisor.E2E.Tests.Support;

/// <summary>The few libc calls the end-to-end tests need: the effective uid and sending a signal.</summary>
internal static partial class Native
{
    public const int SIGTERM = 15;

    public static bool IsRoot => geteuid() == 0;

    [LibraryImport("libc")]
    private static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int signal);
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
