using Podvisor.Core;
using Podvisor.Core.Model;

namespace Podvisor.Agent;

/// <summary>
/// Node-level settings of the agent (the kubelet's configuration, as far as Podvisor has one): plain data, no I/O; the
/// composition root fills the host's part from <see cref="HostFacts"/>.
/// </summary>
public sealed record AgentOptions
{
    /// <summary>Root of logs, pod directories and runtime state.</summary>
    public required string DataDir { get; init; }

    public FeatureGates Gates { get; init; } = FeatureGates.Default;

    /// <summary>KubeletCrashLoopBackOffMax (docs/lifecycle.md §9, §D9): 1 s..300 s; null = 300 s.</summary>
    public TimeSpan? CrashLoopBackOffMax { get; init; }

    /// <summary>spec.nodeName given to every pod, and the event source host (<see cref="HostFacts.Hostname"/> by default).</summary>
    public required string NodeName { get; init; }

    /// <summary>status.hostIP, and status.podIP of hostNetwork pods (<see cref="HostFacts.InternalIp"/>).</summary>
    public required string HostIp { get; init; }

    /// <summary>The kubelet's clusterDomain (kubeadm's default): pod FQDNs are HOSTNAME.SUBDOMAIN.NAMESPACE.svc.DOMAIN.</summary>
    public string ClusterDomain { get; init; } = "cluster.local";

    /// <summary>Keep a deleted pod's CRI log files (<c>podvisor run --data-dir</c>); the kubelet removes them.</summary>
    public bool KeepLogsOfDeletedPods { get; init; }

    /// <summary>This machine's resources (<see cref="HostFacts.Resources"/>), the defaults of downward-API limits.</summary>
    public required NodeResources Resources { get; init; }

    /// <summary>
    /// Where pods reach the API (<c>podvisor serve</c>'s pod listener): the <c>KUBERNETES_SERVICE_*</c> and
    /// <c>KUBERNETES_PORT*</c> variables of every container; null (no API, <c>podvisor run</c>) sets none.
    /// </summary>
    public System.Net.IPEndPoint? KubernetesService { get; init; }

    /// <summary>A slow safety resync; correctness never depends on it (exits and probe results are events).</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromMinutes(1);
}
