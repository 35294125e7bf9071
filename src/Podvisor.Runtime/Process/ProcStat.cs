using System.Globalization;

namespace Podvisor.Runtime.Process;

/// <summary>Reads /proc/PID/stat (the same guard dotnet/runtime uses against pid reuse).</summary>
internal static class ProcStat
{
    /// <summary>Field 22, the start time in clock ticks since boot; null if the process does not exist.</summary>
    public static ulong? StartTime(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // comm (field 2) may contain spaces and parentheses: fields resume after the last ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Length > 19 && ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
    }
}
