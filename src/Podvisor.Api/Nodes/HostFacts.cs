using System.Runtime.InteropServices;
using Podvisor.Core.Model;

namespace Podvisor.Api.Nodes;

/// <summary>
/// What the node object reports about this machine (the kubelet reads the same through cadvisor: machine info,
/// <c>/etc/os-release</c>, <c>uname</c>). Each value is read once; an unreadable source gives an empty value.
/// </summary>
internal sealed record HostFacts(
    string Hostname,
    string InternalIp,
    NodeResources Resources,
    string KernelVersion,
    string OsImage,
    string Architecture,
    string MachineId,
    string SystemUuid,
    string BootId)
{
    public static HostFacts Read(string dataDir, string internalIp) => new(
        System.Net.Dns.GetHostName().ToLowerInvariant(),
        internalIp,
        NodeResources.OfThisMachine(dataDir),
        ReadLine("/proc/sys/kernel/osrelease"),
        OsImageName(),
        GoArch(RuntimeInformation.OSArchitecture),
        ReadLine("/etc/machine-id"),
        ReadLine("/sys/class/dmi/id/product_uuid").ToLowerInvariant(),
        ReadLine("/proc/sys/kernel/random/boot_id"));

    /// <summary>GOARCH names, as kubernetes.io/arch and nodeInfo.architecture use them.</summary>
    public static string GoArch(Architecture architecture) => architecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "amd64",
        System.Runtime.InteropServices.Architecture.X86 => "386",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.Arm => "arm",
        System.Runtime.InteropServices.Architecture.S390x => "s390x",
        System.Runtime.InteropServices.Architecture.Ppc64le => "ppc64le",
        System.Runtime.InteropServices.Architecture.RiscV64 => "riscv64",
        _ => architecture.ToString().ToLowerInvariant(),
    };

    /// <summary>PRETTY_NAME of os-release(5), as the kubelet's osImage.</summary>
    public static string PrettyName(IEnumerable<string> osRelease) =>
        osRelease.Select(l => l.Split('=', 2)).Where(p => p.Length == 2 && p[0] == "PRETTY_NAME").Select(p => p[1].Trim('"', '\'')).FirstOrDefault() ?? "Linux";

    private static string OsImageName() => PrettyName(ReadLines("/etc/os-release"));

    private static string ReadLine(string path) => ReadLines(path).FirstOrDefault()?.Trim() ?? "";

    private static IEnumerable<string> ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
