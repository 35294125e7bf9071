using System.Net.NetworkInformation;
using System.Net.Sockets;
using Podvisor.Core;

namespace Podvisor.Agent;

/// <summary>Node-level settings of the agent (the kubelet's configuration, as far as Podvisor has one).</summary>
public sealed record AgentOptions
{
    /// <summary>Root of logs, pod directories and runtime state.</summary>
    public required string DataDir { get; init; }

    public FeatureGates Gates { get; init; } = FeatureGates.Default;

    /// <summary>KubeletCrashLoopBackOffMax (§9, §D9): 1 s..300 s; null = 300 s.</summary>
    public TimeSpan? CrashLoopBackOffMax { get; init; }

    /// <summary>spec.nodeName given to every pod, and the event source host.</summary>
    public string NodeName { get; init; } = DefaultNodeName();

    /// <summary>status.hostIP, and status.podIP of hostNetwork pods.</summary>
    public string HostIp { get; init; } = DefaultHostIp();

    /// <summary>A slow safety resync; correctness never depends on it (exits and probe results are events).</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromMinutes(1);

    public static string DefaultNodeName() => Environment.MachineName.ToLowerInvariant();

    /// <summary>The first IPv4 address of an interface that is up and not loopback (else 127.0.0.1).</summary>
    public static string DefaultHostIp()
    {
        foreach (var nic in NetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback
                || nic.Name.StartsWith("podvisor", StringComparison.Ordinal) || nic.Name.StartsWith("veth", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var addr in nic.GetIPProperties().UnicastAddresses)
            {
                if (addr.Address.AddressFamily == AddressFamily.InterNetwork)
                {
                    return addr.Address.ToString();
                }
            }
        }

        return "127.0.0.1";
    }

    /// <summary>
    /// NetworkInterface.GetAllNetworkInterfaces, tried again when it fails: on Linux .NET throws ArgumentException
    /// ("An invalid IP address was specified") when an interface changes while it reads them, as pod veths do.
    /// </summary>
    public static NetworkInterface[] NetworkInterfaces()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return NetworkInterface.GetAllNetworkInterfaces();
            }
            catch (Exception ex) when (ex is ArgumentException or NetworkInformationException && attempt < 5)
            {
                // An interface came or went during the enumeration: read them again.
            }
        }
    }
}
