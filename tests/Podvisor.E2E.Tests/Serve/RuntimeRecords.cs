using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Podvisor.E2E.Tests.Serve;

/// <summary>A sandbox as the process runtime persisted it (DATA/runtime/sandboxes/ID.json).</summary>
internal sealed record SandboxFile(string Id, string PodUid, string? Netns, string? HostVeth, string? Ip, string? Uts)
{
    /// <summary>The process runtime's default IPAM directory (ProcessRuntimeOptions.IpamDir/BridgeName).</summary>
    private const string IpClaims = "/run/podvisor/ipam/podvisor0";

    public bool NetnsExists => Netns is not null && File.Exists(Path.Combine("/run/netns", Netns));

    /// <summary>The pin of the sandbox's UTS namespace, when it still exists.</summary>
    public string? UtsPin => Uts is not null && File.Exists(Path.Combine("/run/utsns", Uts)) ? Path.Combine("/run/utsns", Uts) : null;

    /// <summary>This sandbox still holds its IP claim file.</summary>
    public bool HoldsIp => Ip is not null && File.Exists(IpClaim) && File.ReadAllText(IpClaim) == Id;

    public string IpClaim => Path.Combine(IpClaims, Ip ?? "-");
}

/// <summary>A container instance as the process runtime persisted it (DATA/runtime/containers/ID.json).</summary>
internal sealed record ContainerFile(string Id, string PodUid, string Name, string State, int Pid, ulong PidStartTime)
{
    /// <summary>The recorded process still exists (same pid and start time, so not a recycled pid).</summary>
    public bool ProcessAlive => HostProcess.IsAlive(Pid, PidStartTime);
}

/// <summary>
/// Reads the process runtime's state files, black-box (JSON, not its internal types): which sandboxes, network
/// namespaces and processes a serve left behind. <see cref="Reap"/> removes them when a test failed half-way.
/// </summary>
internal static class RuntimeRecords
{
    public static IReadOnlyList<SandboxFile> Sandboxes(string dataDir) => Read(dataDir, "sandboxes", e => new SandboxFile(
        e.GetProperty("Id").GetString()!, e.GetProperty("PodUid").GetString()!, String(e, "Netns"), String(e, "HostVeth"), String(e, "Ip"), String(e, "Uts")));

    public static IReadOnlyList<ContainerFile> Containers(string dataDir) => Read(dataDir, "containers", e => new ContainerFile(
        e.GetProperty("Id").GetString()!, e.GetProperty("PodUid").GetString()!, e.GetProperty("Config").GetProperty("Name").GetString()!,
        e.GetProperty("State").GetString()!, e.GetProperty("Pid").GetInt32(), e.GetProperty("PidStartTime").GetUInt64()));

    /// <summary>The pid of the container shim serving the data dir (DATA/runtime/shim.pid), or null when none runs.</summary>
    public static int? ShimPid(string dataDir)
    {
        try
        {
            return int.TryParse(File.ReadAllText(Path.Combine(dataDir, "runtime", "shim.pid")).Trim(), CultureInfo.InvariantCulture, out var pid)
                && HostProcess.StartTime(pid) is not null ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// Kills recorded processes that still run and deletes recorded network and UTS namespaces, veths and IP claims
    /// (best effort).
    /// </summary>
    public static void Reap(IEnumerable<SandboxFile> sandboxes, IEnumerable<ContainerFile> containers)
    {
        foreach (var c in containers.Where(c => c.ProcessAlive))
        {
            HostProcess.Run("kill", "-KILL", "--", "-" + c.Pid.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var s in sandboxes)
        {
            if (s.HostVeth is not null && Directory.Exists(Path.Combine("/sys/class/net", s.HostVeth)))
            {
                HostProcess.Run("ip", "link", "del", s.HostVeth);
            }

            if (s.NetnsExists)
            {
                HostProcess.Run("ip", "netns", "del", s.Netns!);
            }

            if (s.UtsPin is { } pin)
            {
                HostProcess.Run("umount", "-l", pin);
                File.Delete(pin);
            }

            if (s.HoldsIp)
            {
                File.Delete(s.IpClaim);
            }
        }
    }

    /// <summary>Detaches every mount at or below <paramref name="dir"/> (the tmpfs volumes of pods a test left behind).</summary>
    public static void UnmountUnder(string dir)
    {
        var root = Path.GetFullPath(dir).TrimEnd('/') + "/";
        foreach (var mountPoint in File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4]).Where(p => p.StartsWith(root, StringComparison.Ordinal)).OrderByDescending(p => p.Length))
        {
            HostProcess.Run("umount", "-l", mountPoint);
        }
    }

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;

    private static List<T> Read<T>(string dataDir, string kind, Func<JsonElement, T> map)
    {
        var dir = Path.Combine(dataDir, "runtime", kind);
        if (!Directory.Exists(dir))
        {
            return [];
        }

        var records = new List<T>();
        foreach (var file in Directory.EnumerateFiles(dir, "*.json"))
        {
            try
            {
                using var json = JsonDocument.Parse(File.ReadAllBytes(file));
                records.Add(map(json.RootElement));
            }
            catch (Exception ex) when (ex is IOException or JsonException)
            {
                // Replaced or removed while being read: the runtime writes atomically, so the next read sees it.
            }
        }

        return records;
    }
}

/// <summary>Host process facts from /proc, and argv-only helper commands.</summary>
internal static class HostProcess
{
    /// <summary>Field 22 of /proc/PID/stat (start time in clock ticks), or null when there is no such process.</summary>
    public static ulong? StartTime(int pid) => Stat(pid) is { } fields ? ulong.Parse(fields[19], CultureInfo.InvariantCulture) : null;

    /// <summary>
    /// The process with this pid and start time still runs. A zombie does not: a container orphaned by a stopped serve
    /// is reaped by init, which may take its time.
    /// </summary>
    public static bool IsAlive(int pid, ulong startTime) =>
        pid > 0 && Stat(pid) is { } fields && fields[0] is not ("Z" or "X") && ulong.Parse(fields[19], CultureInfo.InvariantCulture) == startTime;

    /// <summary>A live process that leads its process group (as every container's process does).</summary>
    public static bool IsGroupLeader(int pid) =>
        Stat(pid) is { } fields && fields[0] is not ("Z" or "X") && fields[2] == pid.ToString(CultureInfo.InvariantCulture);

    /// <summary>The fields of /proc/PID/stat after the command (state first), or null when there is no such process.</summary>
    private static string[]? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static void Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
    }
}
