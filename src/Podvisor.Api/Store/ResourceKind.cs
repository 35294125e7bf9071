using k8s;
using k8s.Models;
using Podvisor.Api.Printing;
using Podvisor.Api.Selectors;

namespace Podvisor.Api.Store;

/// <summary>
/// Everything the generic store, list, watch and table code needs to know about one resource type
/// (upstream: a registry.Store with its TableConvertor and field-label conversion).
/// </summary>
internal sealed class ResourceKind
{
    private IKubernetesObject<V1ObjectMeta>? _probe;

    public static readonly ResourceKind Pods = new(
        "Pod", "pods", "PodList", namespaced: true, ObjectFields.Pod, new PodTablePrinter(), json => KubernetesJson.Deserialize<V1Pod>(json));

    public static readonly ResourceKind Events = new(
        "Event", "events", "EventList", namespaced: true, ObjectFields.Event, new EventTablePrinter(), json => KubernetesJson.Deserialize<Corev1Event>(json));

    public static readonly ResourceKind Namespaces = new(
        "Namespace", "namespaces", "NamespaceList", namespaced: false, ObjectFields.Namespace, new NamespaceTablePrinter(),
        json => KubernetesJson.Deserialize<V1Namespace>(json));

    public static readonly ResourceKind Nodes = new(
        "Node", "nodes", "NodeList", namespaced: false, ObjectFields.Node, new NodeTablePrinter(), json => KubernetesJson.Deserialize<V1Node>(json));

    public static readonly ResourceKind ConfigMaps = new(
        "ConfigMap", "configmaps", "ConfigMapList", namespaced: true, ObjectFields.NameAndNamespace, new ConfigMapTablePrinter(),
        json => KubernetesJson.Deserialize<V1ConfigMap>(json));

    public static readonly ResourceKind Secrets = new(
        "Secret", "secrets", "SecretList", namespaced: true, ObjectFields.Secret, new SecretTablePrinter(), json => KubernetesJson.Deserialize<V1Secret>(json));

    public static readonly ResourceKind ServiceAccounts = new(
        "ServiceAccount", "serviceaccounts", "ServiceAccountList", namespaced: true, ObjectFields.NameAndNamespace, new ServiceAccountTablePrinter(),
        json => KubernetesJson.Deserialize<V1ServiceAccount>(json));

    public static readonly IReadOnlyList<ResourceKind> All = [Pods, Events, Namespaces, Nodes, ConfigMaps, Secrets, ServiceAccounts];

    private ResourceKind(
        string kind,
        string plural,
        string listKind,
        bool namespaced,
        Func<IKubernetesObject<V1ObjectMeta>, string, string?> field,
        ITablePrinter printer,
        Func<string, IKubernetesObject<V1ObjectMeta>> deserialize)
    {
        Kind = kind;
        Plural = plural;
        ListKind = listKind;
        Namespaced = namespaced;
        Field = field;
        Printer = printer;
        Deserialize = deserialize;
    }

    public string Kind { get; }

    public string Plural { get; }

    public string ListKind { get; }

    public bool Namespaced { get; }

    /// <summary>The value of a field-selector label, or null when the label is not supported for this kind.</summary>
    public Func<IKubernetesObject<V1ObjectMeta>, string, string?> Field { get; }

    public ITablePrinter Printer { get; }

    public Func<string, IKubernetesObject<V1ObjectMeta>> Deserialize { get; }

    /// <summary>An empty object of this kind, to ask <see cref="Field"/> which labels exist.</summary>
    public IKubernetesObject<V1ObjectMeta> Probe => _probe ??= Deserialize("{\"metadata\":{}}");

    public static ResourceKind ByPlural(string plural) => All.Single(k => k.Plural == plural);
}
