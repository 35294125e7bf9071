using System.Net.NetworkInformation;
using System.Net.Sockets;
using Podvisor.Core;
using Podvisor.Core.Model;

namespace Podvisor.Agent;

/// <summary>Node-level settings of the agent (the kubelet's configuration, as far as Podvisor has one).</summary>
public sealed record AgentOptions
{
    /// <summary>Root of logs, pod directories and runtime state.</summary>
    public required string DataDir { get; init; }

    public FeatureGates Gates { get; init; } = FeatureGates.Default;

    /// <summary>KubeletCrashLoopBackOffMax (docs/lifecycle.md §9, §D9): 1 s..300 s; null = 300 s.</summary>
    public TimeSpan? CrashLoopBackOffMax { get; init; }

    /// <summary>spec.nodeName given to every pod, and the event source host.</summary>
    public string NodeName { get; init; } = DefaultNodeName();

    /// <summary>status.hostIP, and status.podIP of hostNetwork pods.</summary>
    public string HostIp { get; init; } = DefaultHostIp();

    /// <summary>The kubelet's clusterDomain (kubeadm's default): pod FQDNs are HOSTNAME.SUBDOMAIN.NAMESPACE.svc.DOMAIN.</summary>
    public string ClusterDomain { get; init; } = "cluster.local";

    /// <summary>Keep a deleted pod's CRI log files (<c>podvisor run --data-dir</c>); the kubelet removes them.</summary>
    public bool KeepLogsOfDeletedPods { get; init; }

    private NodeResources? _resources;

    /// <summary>This machine's resources, the defaults of downward-API limits; read from the machine once unless given.</summary>
    public NodeResources Resources
    {
        get => _resources ??= NodeResources.OfThisMachine(DataDir);
        init => _resources = value;
    }

    /// <summary>
    /// Where pods reach the API (<c>podvisor serve</c>'s pod listener): the <c>KUBERNETES_SERVICE_*</c> and
    /// <c>KUBERNETES_PORT*</c> variables of every container; null (no API, <c>podvisor run</c>) sets none.
    /// </summary>
    public System.Net.IPEndPoint? KubernetesService { get; init; }

    /// <summary>A slow safety resync; correctness never depends on it (exits and probe results are events).</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromMinutes(1);

    public static string DefaultNodeName() => Environment.MachineName.ToLowerInvariant();

    /// <summary>The first IPv4 address of an interface that is up and not loopback (else 127.0.0.1).</summary>
    public static string DefaultHostIp() => ReadInterfaces(FirstHostIp);

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
}
