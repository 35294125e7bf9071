using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Podvisor.Core.Model;

/// <summary>
/// What this machine is, as the node reports it (the kubelet reads the same through cadvisor: machine info,
/// <c>/etc/os-release</c>, <c>uname</c>, the host name and the first address). <see cref="Detect"/> reads each value once,
/// at the composition root; everything else takes these values as plain data. An unreadable source gives an empty value.
/// </summary>
public sealed record HostFacts(
    /// <summary>Lower case, as the kubelet's default node name (nodeutil.GetHostname).</summary>
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
    public static HostFacts Detect(string dataDir) => new(
        System.Net.Dns.GetHostName().ToLowerInvariant(),
        ReadInterfaces(FirstHostIp),
        NodeResources.OfThisMachine(dataDir),
        ReadLine("/proc/sys/kernel/osrelease"),
        PrettyName(ReadLines("/etc/os-release")),
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

    /// <summary>
    /// Reads the network interfaces, reading again when that fails: on Linux .NET throws ArgumentException ("An invalid
    /// IP address was specified") or NetworkInformationException when an interface comes or goes meanwhile, as the
    /// veth pairs of pods (this agent's or another's) do. A fresh read is consistent again.
    /// </summary>
    public static T ReadInterfaces<T>(Func<NetworkInterface[], T> read)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return read(NetworkInterface.GetAllNetworkInterfaces());
            }
            catch (Exception ex) when (ex is ArgumentException or NetworkInformationException && attempt < 10)
            {
            }
        }
    }

    /// <summary>The first IPv4 address of an interface that is up and not loopback nor a pod network's (else 127.0.0.1).</summary>
    private static string FirstHostIp(NetworkInterface[] interfaces)
    {
        foreach (var nic in interfaces)
        {
            if (nic.NetworkInterfaceType == NetworkInterfaceType.Loopback
                || nic.Name.StartsWith("podvisor", StringComparison.Ordinal) || nic.Name.StartsWith("veth", StringComparison.Ordinal))
            {
                continue;
            }

            if (nic.OperationalStatus == OperationalStatus.Up
                && nic.GetIPProperties().UnicastAddresses.FirstOrDefault(a => a.Address.AddressFamily == AddressFamily.InterNetwork) is { } addr)
            {
                return addr.Address.ToString();
            }
        }

        return "127.0.0.1";
    }

    private static string ReadLine(string path) => ReadLines(path).FirstOrDefault()?.Trim() ?? "";

    private static string[] ReadLines(string path)
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
