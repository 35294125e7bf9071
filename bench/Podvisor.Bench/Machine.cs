using System.Runtime.InteropServices;

namespace Podvisor.Bench;

/// <summary>The machine a run measured, as written to latest.json.</summary>
public sealed record Machine(int Cores, string Memory, string Kernel, string Dotnet, string Runtime)
{
    public static Machine Describe(bool privileged) => new(
        Environment.ProcessorCount,
        MemTotal(),
        File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : RuntimeInformation.OSDescription,
        $"{RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier})",
        privileged
            ? "Podvisor ProcessRuntime as root: network namespace + veth + IP per pod, mount namespace per container"
            : "Podvisor ProcessRuntime without root: host network");

    private static string MemTotal()
    {
        var line = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)) : null;
        var kb = line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        return $"{kb / 1024.0 / 1024.0:F1} GiB";
    }
}

/// <summary>Process limits the scale suite needs (3,000 processes, about 4 descriptors each).</summary>
internal static unsafe class Limits
{
    /// <summary>Raises the open-file limit (hard too, as root) to <paramref name="wanted"/>; returns the soft limit now in force.</summary>
    public static ulong RaiseOpenFiles(ulong wanted)
    {
        Native.RLimit limit;
        Native.getrlimit(Native.RLIMIT_NOFILE, &limit);
        if (limit.Current >= wanted)
        {
            return limit.Current;
        }

        var raised = new Native.RLimit { Current = wanted, Max = Math.Max(wanted, limit.Max) };
        if (Native.setrlimit(Native.RLIMIT_NOFILE, &raised) != 0)
        {
            raised = new Native.RLimit { Current = limit.Max, Max = limit.Max };
            Native.setrlimit(Native.RLIMIT_NOFILE, &raised);
        }

        Native.getrlimit(Native.RLIMIT_NOFILE, &limit);
        return limit.Current;
    }
}
