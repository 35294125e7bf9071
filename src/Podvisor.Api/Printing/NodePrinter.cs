using k8s;
using k8s.Models;

namespace Podvisor.Api.Printing;

/// <summary>The node row of <c>kubectl get nodes</c>. Mirrors printNode and findNodeRoles in pkg/printers/internalversion/printers.go (wide form).</summary>
internal sealed class NodeTablePrinter : ITablePrinter
{
    private const string AddressesDoc = "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";

    private static readonly TableColumn[] NodeColumns =
    [
        TableColumn.NameColumn,
        new("Status", "string", "", "The status of the node", 0),
        new("Roles", "string", "", "The roles of the node", 0),
        TableColumn.AgeColumn,
        new("Version", "string", "", "Kubelet Version reported by the node.", 0),
        new("Internal-IP", "string", "", AddressesDoc, 1),
        new("External-IP", "string", "", AddressesDoc, 1),
        new("OS-Image", "string", "", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1),
        new("Kernel-Version", "string", "", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
        new("Container-Runtime", "string", "", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", 1),
    ];

    public IReadOnlyList<TableColumn> Columns => NodeColumns;

    public TableRow Print(IKubernetesObject<V1ObjectMeta> obj, DateTimeOffset now)
    {
        var node = (V1Node)obj;
        var info = node.Status?.NodeInfo;
        object[] cells =
        [
            node.Metadata.Name ?? "", Status(node), Roles(node.Metadata.Labels), HumanDuration.Since(node.Metadata.CreationTimestamp, now), info?.KubeletVersion ?? "",
            Address(node, "InternalIP"), Address(node, "ExternalIP"), OrUnknown(info?.OsImage), OrUnknown(info?.KernelVersion), OrUnknown(info?.ContainerRuntimeVersion),
        ];
        return new TableRow(cells, []);
    }

    /// <summary>Ready or NotReady (Unknown without the condition), then SchedulingDisabled when cordoned.</summary>
    public static string Status(V1Node node)
    {
        var status = new List<string>();
        if (node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready") is { } ready)
        {
            status.Add(ready.Status == "True" ? "Ready" : "NotReady");
        }

        if (status.Count == 0)
        {
            status.Add("Unknown");
        }

        if (node.Spec?.Unschedulable == true)
        {
            status.Add("SchedulingDisabled");
        }

        return string.Join(',', status);
    }

    /// <summary>findNodeRoles: <c>node-role.kubernetes.io/ROLE</c> label keys and the <c>kubernetes.io/role</c> value, sorted.</summary>
    public static string Roles(IDictionary<string, string>? labels)
    {
        const string RolePrefix = "node-role.kubernetes.io/";
        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in labels ?? new Dictionary<string, string>())
        {
            if (key.StartsWith(RolePrefix, StringComparison.Ordinal) && key.Length > RolePrefix.Length)
            {
                roles.Add(key[RolePrefix.Length..]);
            }
            else if (key == "kubernetes.io/role" && value.Length > 0)
            {
                roles.Add(value);
            }
        }

        return roles.Count == 0 ? "<none>" : string.Join(',', roles);
    }

    private static string Address(V1Node node, string type) =>
        node.Status?.Addresses?.FirstOrDefault(a => a.Type == type)?.Address ?? "<none>";

    private static string OrUnknown(string? value) => string.IsNullOrEmpty(value) ? "<unknown>" : value;
}
