using System.Globalization;
using k8s.Models;
using Podvisor.Core;
using Podvisor.Core.Model;

namespace Podvisor.Api.Nodes;

/// <summary>
/// The one Node object, shaped as the kubelet's node status setters make it (pkg/kubelet/nodestatus/setters.go:
/// NodeAddress, MachineInfo, VersionInfo, ReadyCondition, MemoryPressureCondition, DiskPressureCondition,
/// PIDPressureCondition) and its initial node labels (kubelet_node_status.go initialNode). Pure: facts in, node out.
/// </summary>
internal static class NodeObject
{
    /// <summary>The kubelet's --max-pods default.</summary>
    public const int MaxPods = 110;

    public static V1Node Build(string name, HostFacts host, FeatureGates gates, string kubeletVersion, string runtimeVersion, DateTime now)
    {
        var capacity = Capacity(host.Resources);
        return new V1Node
        {
            ApiVersion = "v1",
            Kind = "Node",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Labels = InitialLabels(name, host),
            },
            Spec = new V1NodeSpec(),
            Status = new V1NodeStatus
            {
                Capacity = capacity,
                Allocatable = Allocatable(host.Resources, capacity),
                Conditions = Conditions(now),
                Addresses =
                [
                    new V1NodeAddress { Type = "InternalIP", Address = host.InternalIp },
                    new V1NodeAddress { Type = "Hostname", Address = host.Hostname },
                ],
                NodeInfo = NodeInfo(host, kubeletVersion, runtimeVersion),
                DeclaredFeatures = gates.RestartAllContainersOnContainerExits ? ["RestartAllContainersOnContainerExits"] : null,
            },
        };
    }

    /// <summary>Copies the transition times of conditions whose status did not change (the kubelet keeps them).</summary>
    public static void KeepTransitions(V1Node node, V1Node? previous)
    {
        foreach (var condition in node.Status.Conditions)
        {
            if (previous?.Status?.Conditions?.FirstOrDefault(c => c.Type == condition.Type) is { } before && before.Status == condition.Status)
            {
                condition.LastTransitionTime = before.LastTransitionTime;
            }
        }
    }

    /// <summary>initialNode's labels: the well-known arch, os and hostname labels, and their beta twins.</summary>
    private static Dictionary<string, string> InitialLabels(string name, HostFacts host) => new()
    {
        ["beta.kubernetes.io/arch"] = host.Architecture,
        ["beta.kubernetes.io/os"] = "linux",
        ["kubernetes.io/arch"] = host.Architecture,
        ["kubernetes.io/hostname"] = name,
        ["kubernetes.io/os"] = "linux",
    };

    /// <summary>MachineInfo's capacity: the host's CPUs, ephemeral storage and memory, and <see cref="MaxPods"/>.</summary>
    private static Dictionary<string, ResourceQuantity> Capacity(NodeResources resources) => new()
    {
        ["cpu"] = new(resources.Cpus.ToString(CultureInfo.InvariantCulture)),
        ["ephemeral-storage"] = Ki(resources.EphemeralStorageBytes),
        ["memory"] = Ki(resources.MemoryBytes),
        ["pods"] = new(MaxPods.ToString(CultureInfo.InvariantCulture)),
    };

    /// <summary>MachineInfo's allocatable: the capacity less the eviction thresholds of ephemeral storage and memory.</summary>
    private static Dictionary<string, ResourceQuantity> Allocatable(NodeResources resources, Dictionary<string, ResourceQuantity> capacity) => new(capacity)
    {
        ["ephemeral-storage"] = new(resources.AllocatableEphemeralStorageBytes.ToString(CultureInfo.InvariantCulture)),
        ["memory"] = Ki(resources.AllocatableMemoryBytes),
    };

    /// <summary>The pressure conditions and Ready, as a healthy kubelet posts them.</summary>
    private static List<V1NodeCondition> Conditions(DateTime now) =>
    [
        Condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", now),
        Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", now),
        Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", now),
        Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status", now),
    ];

    /// <summary>MachineInfo's and VersionInfo's system info.</summary>
    private static V1NodeSystemInfo NodeInfo(HostFacts host, string kubeletVersion, string runtimeVersion) => new()
    {
        MachineID = host.MachineId,
        SystemUUID = host.SystemUuid,
        BootID = host.BootId,
        KernelVersion = host.KernelVersion,
        OsImage = host.OsImage,
        ContainerRuntimeVersion = runtimeVersion,
        KubeletVersion = kubeletVersion,

        // Deprecated and no longer set by the kubelet, but not omitempty upstream: clients (the Python client) require it.
        KubeProxyVersion = "",
        OperatingSystem = "linux",
        Architecture = host.Architecture,
    };

    private static ResourceQuantity Ki(long bytes) => new((bytes / 1024).ToString(CultureInfo.InvariantCulture) + "Ki");

    private static V1NodeCondition Condition(string type, string status, string reason, string message, DateTime now) => new()
    {
        Type = type,
        Status = status,
        Reason = reason,
        Message = message,
        LastHeartbeatTime = now,
        LastTransitionTime = now,
    };
}
