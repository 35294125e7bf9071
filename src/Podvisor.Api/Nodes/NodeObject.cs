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
        var capacity = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new(host.Resources.Cpus.ToString(CultureInfo.InvariantCulture)),
            ["ephemeral-storage"] = Ki(host.Resources.EphemeralStorageBytes),
            ["memory"] = Ki(host.Resources.MemoryBytes),
            ["pods"] = new(MaxPods.ToString(CultureInfo.InvariantCulture)),
        };
        var allocatable = new Dictionary<string, ResourceQuantity>(capacity)
        {
            ["ephemeral-storage"] = new(host.Resources.AllocatableEphemeralStorageBytes.ToString(CultureInfo.InvariantCulture)),
            ["memory"] = Ki(host.Resources.AllocatableMemoryBytes),
        };
        return new V1Node
        {
            ApiVersion = "v1",
            Kind = "Node",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Labels = new Dictionary<string, string>
                {
                    ["beta.kubernetes.io/arch"] = host.Architecture,
                    ["beta.kubernetes.io/os"] = "linux",
                    ["kubernetes.io/arch"] = host.Architecture,
                    ["kubernetes.io/hostname"] = name,
                    ["kubernetes.io/os"] = "linux",
                },
            },
            Spec = new V1NodeSpec(),
            Status = new V1NodeStatus
            {
                Capacity = capacity,
                Allocatable = allocatable,
                Conditions =
                [
                    Condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", now),
                    Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", now),
                    Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", now),
                    Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status", now),
                ],
                Addresses =
                [
                    new V1NodeAddress { Type = "InternalIP", Address = host.InternalIp },
                    new V1NodeAddress { Type = "Hostname", Address = host.Hostname },
                ],
                NodeInfo = new V1NodeSystemInfo
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
                },
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
