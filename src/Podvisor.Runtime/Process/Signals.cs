namespace Podvisor.Runtime.Process;

/// <summary>Linux signal names as <c>lifecycle.stopSignal</c> spells them (SIGTERM, SIGUSR1, SIGRTMIN+3 ...).</summary>
internal static class Signals
{
    private const int RtMin = 34, RtMax = 64;

    private static readonly Dictionary<string, int> Numbers = new(StringComparer.Ordinal)
    {
        ["SIGHUP"] = 1, ["SIGINT"] = 2, ["SIGQUIT"] = 3, ["SIGILL"] = 4, ["SIGTRAP"] = 5, ["SIGABRT"] = 6, ["SIGBUS"] = 7,
        ["SIGFPE"] = 8, ["SIGKILL"] = 9, ["SIGUSR1"] = 10, ["SIGSEGV"] = 11, ["SIGUSR2"] = 12, ["SIGPIPE"] = 13,
        ["SIGALRM"] = 14, ["SIGTERM"] = 15, ["SIGSTKFLT"] = 16, ["SIGCHLD"] = 17, ["SIGCONT"] = 18, ["SIGSTOP"] = 19,
        ["SIGTSTP"] = 20, ["SIGTTIN"] = 21, ["SIGTTOU"] = 22, ["SIGURG"] = 23, ["SIGXCPU"] = 24, ["SIGXFSZ"] = 25,
        ["SIGVTALRM"] = 26, ["SIGPROF"] = 27, ["SIGWINCH"] = 28, ["SIGIO"] = 29, ["SIGPWR"] = 30, ["SIGSYS"] = 31,
        ["SIGRTMIN"] = RtMin, ["SIGRTMAX"] = RtMax,
    };

    /// <summary>The signal number for a name; SIGTERM for null or an unknown name.</summary>
    public static int Parse(string? name)
    {
        if (name is null)
        {
            return Native.Libc.SIGTERM;
        }

        if (Numbers.TryGetValue(name, out var number))
        {
            return number;
        }

        if (name.StartsWith("SIGRTMIN+", StringComparison.Ordinal) && int.TryParse(name[9..], out var plus) && plus is > 0 and <= RtMax - RtMin)
        {
            return RtMin + plus;
        }

        if (name.StartsWith("SIGRTMAX-", StringComparison.Ordinal) && int.TryParse(name[9..], out var minus) && minus is > 0 and <= RtMax - RtMin)
        {
            return RtMax - minus;
        }

        return Native.Libc.SIGTERM;
    }
}
