using k8s.Models;

namespace Podvisor.Api.Patching;

/// <summary>
/// The strategic-merge struct tags (<c>patchStrategy</c>, <c>patchMergeKey</c>) of the fields of the served models,
/// as k8s.io/api declares them. Strategic merge patch and the OpenAPI extensions
/// (<c>x-kubernetes-patch-strategy</c>, <c>x-kubernetes-patch-merge-key</c>) both read this table.
/// A null merge key is a merged list of primitives.
/// </summary>
internal static class PatchMeta
{
    private static readonly Dictionary<(Type, string), (string Strategy, string? MergeKey)> Fields = Build();

    public static (string Strategy, string? MergeKey)? Of(Type type, string jsonName) =>
        Fields.TryGetValue((type, jsonName), out var meta) ? meta : null;

    private static Dictionary<(Type, string), (string, string?)> Build()
    {
        var fields = new Dictionary<(Type, string), (string, string?)>
        {
            [(typeof(V1ObjectMeta), "ownerReferences")] = ("merge", "uid"),
            [(typeof(V1ObjectMeta), "finalizers")] = ("merge", null),
            [(typeof(V1PodSpec), "volumes")] = ("merge,retainKeys", "name"),
            [(typeof(V1PodSpec), "initContainers")] = ("merge", "name"),
            [(typeof(V1PodSpec), "containers")] = ("merge", "name"),
            [(typeof(V1PodSpec), "ephemeralContainers")] = ("merge", "name"),
            [(typeof(V1PodSpec), "imagePullSecrets")] = ("merge", "name"),
            [(typeof(V1PodSpec), "hostAliases")] = ("merge", "ip"),
            [(typeof(V1PodSpec), "topologySpreadConstraints")] = ("merge", "topologyKey"),
            [(typeof(V1PodSpec), "resourceClaims")] = ("merge,retainKeys", "name"),
            [(typeof(V1PodSpec), "schedulingGates")] = ("merge", "name"),
            [(typeof(V1PodStatus), "conditions")] = ("merge", "type"),
            [(typeof(V1PodStatus), "podIPs")] = ("merge", "ip"),
            [(typeof(V1PodStatus), "hostIPs")] = ("merge", "ip"),
            [(typeof(V1PodStatus), "resourceClaimStatuses")] = ("merge,retainKeys", "name"),
            [(typeof(V1NodeStatus), "conditions")] = ("merge", "type"),
            [(typeof(V1NodeStatus), "addresses")] = ("merge", "type"),
            [(typeof(V1NamespaceStatus), "conditions")] = ("merge", "type"),
        };
        foreach (var container in new[] { typeof(V1Container), typeof(V1EphemeralContainer) })
        {
            fields[(container, "ports")] = ("merge", "containerPort");
            fields[(container, "env")] = ("merge", "name");
            fields[(container, "volumeMounts")] = ("merge", "mountPath");
            fields[(container, "volumeDevices")] = ("merge", "devicePath");
        }

        return fields;
    }
}
