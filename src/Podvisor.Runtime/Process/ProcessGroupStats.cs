using System.Globalization;

namespace Podvisor.Runtime.Process;

/// <summary>
/// CPU time and resident memory per process group, from one pass over <c>/proc/PID/stat</c>. A process-runtime
/// container is a process group (its leader's pid is the group id), so a group's figures are the container's:
/// CPU is utime + stime of every live member plus cutime + cstime (the members' reaped children); memory is the
/// members' summed RSS (pages shared between members count once per member, an upper bound of the working set).
/// </summary>
internal static class ProcessGroupStats
{
    /// <summary>USER_HZ: the unit of the stat file's times on every Linux architecture .NET runs on.</summary>
    private const ulong TicksPerSecond = 100;

    public readonly record struct Usage(ulong CpuNanoseconds, ulong RssBytes);

    /// <summary>Usage of each of <paramref name="groups"/> that has a live member.</summary>
    public static Dictionary<int, Usage> Read(IReadOnlySet<int> groups)
    {
        var usage = new Dictionary<int, Usage>();
        if (groups.Count == 0)
        {
            return usage;
        }

        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (name.Length == 0 || !char.IsAsciiDigit(name[0]) || Parse(ReadStat(dir)) is not { } stat || !groups.Contains(stat.Group))
            {
                continue;
            }

            var sum = usage.GetValueOrDefault(stat.Group);
            usage[stat.Group] = new Usage(sum.CpuNanoseconds + stat.CpuNanoseconds, sum.RssBytes + stat.RssBytes);
        }

        return usage;
    }

    private static string? ReadStat(string dir)
    {
        try
        {
            return File.ReadAllText(Path.Combine(dir, "stat"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // the process ended while the directory was listed
        }
    }

    /// <summary>Fields 5 (pgrp), 14–17 (utime, stime, cutime, cstime) and 24 (rss); null for unreadable text.</summary>
    internal static (int Group, ulong CpuNanoseconds, ulong RssBytes)? Parse(string? text)
    {
        var close = text?.LastIndexOf(')') ?? -1;
        if (close < 0 || close + 2 >= text!.Length)
        {
            return null;
        }

        // comm (field 2) may contain spaces and parentheses: fields resume after the last ')', at field 3.
        var fields = text[(close + 2)..].Split(' ');
        if (fields.Length <= 21 || !int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var group))
        {
            return null;
        }

        ulong ticks = 0;
        for (var i = 11; i <= 14; i++)
        {
            ticks += ulong.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : 0;
        }

        var pages = ulong.TryParse(fields[21], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0;
        return (group, ticks * (1_000_000_000 / TicksPerSecond), pages * (ulong)Environment.SystemPageSize);
    }
}
