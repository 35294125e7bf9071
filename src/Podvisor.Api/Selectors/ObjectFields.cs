using k8s;
using k8s.Models;

namespace Podvisor.Api.Selectors;

/// <summary>
/// Field-selector labels per kind, mirroring the apiserver's field-label conversion functions and GetAttrs
/// (pkg/registry/core/pod/strategy.go PodToSelectableFields, event/strategy.go, namespace/strategy.go).
/// Null means "not a supported field label".
/// </summary>
internal static class ObjectFields
{
    public static string? Pod(IKubernetesObject<V1ObjectMeta> obj, string field)
    {
        var pod = (V1Pod)obj;
        return field switch
        {
            "metadata.name" => pod.Metadata.Name ?? "",
            "metadata.namespace" => pod.Metadata.NamespaceProperty ?? "",
            "spec.nodeName" => pod.Spec?.NodeName ?? "",
            "spec.restartPolicy" => pod.Spec?.RestartPolicy ?? "",
            "spec.schedulerName" => pod.Spec?.SchedulerName ?? "",
            "spec.serviceAccountName" => pod.Spec?.ServiceAccountName ?? "",
            "spec.hostNetwork" => pod.Spec?.HostNetwork == true ? "true" : "false",
            "status.phase" => pod.Status?.Phase ?? "",
            "status.podIP" => pod.Status?.PodIP ?? "",
            "status.nominatedNodeName" => pod.Status?.NominatedNodeName ?? "",
            _ => null,
        };
    }

    public static string? Event(IKubernetesObject<V1ObjectMeta> obj, string field)
    {
        var evt = (Corev1Event)obj;
        var involved = evt.InvolvedObject;
        return field switch
        {
            "metadata.name" => evt.Metadata.Name ?? "",
            "metadata.namespace" => evt.Metadata.NamespaceProperty ?? "",
            "involvedObject.kind" => involved?.Kind ?? "",
            "involvedObject.namespace" => involved?.NamespaceProperty ?? "",
            "involvedObject.name" => involved?.Name ?? "",
            "involvedObject.uid" => involved?.Uid ?? "",
            "involvedObject.apiVersion" => involved?.ApiVersion ?? "",
            "involvedObject.resourceVersion" => involved?.ResourceVersion ?? "",
            "involvedObject.fieldPath" => involved?.FieldPath ?? "",
            "reason" => evt.Reason ?? "",
            "reportingComponent" => evt.ReportingComponent ?? "",
            "source" => evt.Source?.Component ?? "",
            "type" => evt.Type ?? "",
            _ => null,
        };
    }

    public static string? Namespace(IKubernetesObject<V1ObjectMeta> obj, string field)
    {
        var ns = (V1Namespace)obj;
        return field switch
        {
            "metadata.name" => ns.Metadata.Name ?? "",
            "status.phase" => ns.Status?.Phase ?? "",
            _ => null,
        };
    }

    /// <summary>NodeToSelectableFields (pkg/registry/core/node/strategy.go).</summary>
    public static string? Node(IKubernetesObject<V1ObjectMeta> obj, string field)
    {
        var node = (V1Node)obj;
        return field switch
        {
            "metadata.name" => node.Metadata.Name ?? "",
            "spec.unschedulable" => node.Spec?.Unschedulable == true ? "true" : "false",
            _ => null,
        };
    }

    /// <summary>DefaultClusterScopedAttr/DefaultNamespaceScopedAttr: what configmaps offer (configmap/strategy.go).</summary>
    public static string? NameAndNamespace(IKubernetesObject<V1ObjectMeta> obj, string field) => field switch
    {
        "metadata.name" => obj.Metadata.Name ?? "",
        "metadata.namespace" => obj.Metadata.NamespaceProperty ?? "",
        _ => null,
    };

    /// <summary>SelectableFields of pkg/registry/core/secret/strategy.go: the defaults plus <c>type</c>.</summary>
    public static string? Secret(IKubernetesObject<V1ObjectMeta> obj, string field) =>
        field == "type" ? ((V1Secret)obj).Type ?? "" : NameAndNamespace(obj, field);
}
