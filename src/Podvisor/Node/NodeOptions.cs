using Podvisor.Core;
using Podvisor.Runtime;
using Podvisor.Runtime.Cri;

namespace Podvisor.Node;

/// <summary>What one node is made of, as plain data (no I/O): <c>run</c>, <c>serve</c>, the bench and the test harnesses fill it and <see cref="PodvisorNode"/> composes it.</summary>
public sealed record NodeOptions
{
    /// <summary>The <c>--runtime</c> names.</summary>
    public const string ProcessRuntime = "process";
    public const string CriRuntime = "cri";

    /// <summary>Root of the store, logs, pod directories and runtime state.</summary>
    public required string DataDir { get; init; }

    /// <summary><see cref="ProcessRuntime"/> (containers are host processes) or <see cref="CriRuntime"/> (images, through a CRI runtime).</summary>
    public string Runtime { get; init; } = ProcessRuntime;

    /// <summary>The CRI endpoint of <see cref="CriRuntime"/>.</summary>
    public string ContainerRuntimeEndpoint { get; init; } = CriRuntimeOptions.DefaultEndpoint;

    public FeatureGates Gates { get; init; } = FeatureGates.Default;

    /// <summary>KubeletCrashLoopBackOffMax: 1 s..300 s; null = 300 s.</summary>
    public TimeSpan? CrashLoopBackOffMax { get; init; }

    public ContainerLogRotation LogRotation { get; init; } = ContainerLogRotation.Default;

    /// <summary>The process runtime's containers belong to a <c>podvisor shim</c> and a later agent adopts them (<c>serve</c>).</summary>
    public bool ContainersOutliveAgent { get; init; }

    /// <summary>Keep a deleted pod's CRI log files (<c>podvisor run</c>); the kubelet removes them.</summary>
    public bool KeepLogsOfDeletedPods { get; init; }

    /// <summary>spec.nodeName of every pod; null: the host name.</summary>
    public string? NodeName { get; init; }

    /// <summary>status.hostIP; null: the host's first address.</summary>
    public string? HostIp { get; init; }

    /// <summary>A private pod network of the process runtime (the bench and the tests use their own); null: its default.</summary>
    public ProcessPodNetwork? PodNetwork { get; init; }

    public bool RunsImages => Runtime == CriRuntime;

    /// <summary>spec.nodeName of the pods on <paramref name="host"/>: <see cref="NodeName"/>, else the host name.</summary>
    public string NodeNameOn(Core.Model.HostFacts host) => NodeName ?? host.Hostname;
}

/// <summary>The process runtime's pod network: its bridge, pod CIDR and IP claims directory.</summary>
public sealed record ProcessPodNetwork(string BridgeName, string PodCidr, string IpamDir);
