namespace Podvisor.Runtime;

/// <summary>
/// <c>lifecycle.stopSignal</c> names (core/v1 Signal, Linux) and their Linux numbers. Real-time signals follow
/// glibc: SIGRTMIN is 34, SIGRTMAX 64.
/// </summary>
public static class StopSignals
{
    public const int SIGTERM = 15;

    private static readonly Dictionary<string, int> Numbers = BuildTable();

    /// <summary>Parses an exact upstream signal name (<c>SIGUSR1</c>, <c>SIGRTMIN+3</c>, <c>SIGRTMAX-1</c>); anything else is rejected.</summary>
    public static bool TryParse(string? name, out int number) => Numbers.TryGetValue(name ?? "", out number);

    /// <summary>The signal that stops the container: its <c>lifecycle.stopSignal</c>, else SIGTERM.</summary>
    public static int Resolve(string? stopSignal) => TryParse(stopSignal, out var number) ? number : SIGTERM;

    private static Dictionary<string, int> BuildTable()
    {
        var table = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["SIGHUP"] = 1, ["SIGINT"] = 2, ["SIGQUIT"] = 3, ["SIGILL"] = 4, ["SIGTRAP"] = 5, ["SIGABRT"] = 6,
            ["SIGIOT"] = 6, ["SIGBUS"] = 7, ["SIGFPE"] = 8, ["SIGKILL"] = 9, ["SIGUSR1"] = 10, ["SIGSEGV"] = 11,
            ["SIGUSR2"] = 12, ["SIGPIPE"] = 13, ["SIGALRM"] = 14, ["SIGTERM"] = 15, ["SIGSTKFLT"] = 16,
            ["SIGCHLD"] = 17, ["SIGCLD"] = 17, ["SIGCONT"] = 18, ["SIGSTOP"] = 19, ["SIGTSTP"] = 20, ["SIGTTIN"] = 21,
            ["SIGTTOU"] = 22, ["SIGURG"] = 23, ["SIGXCPU"] = 24, ["SIGXFSZ"] = 25, ["SIGVTALRM"] = 26,
            ["SIGPROF"] = 27, ["SIGWINCH"] = 28, ["SIGIO"] = 29, ["SIGPOLL"] = 29, ["SIGPWR"] = 30, ["SIGSYS"] = 31,
            ["SIGRTMIN"] = 34, ["SIGRTMAX"] = 64,
        };
        for (var i = 1; i <= 15; i++)
        {
            table[$"SIGRTMIN+{i}"] = 34 + i;
        }

        // SIGRTMAX-15 would alias SIGRTMIN+15; upstream lists SIGRTMAX-14 .. SIGRTMAX-1.
        for (var i = 1; i <= 14; i++)
        {
            table[$"SIGRTMAX-{i}"] = 64 - i;
        }

        return table;
    }
}
