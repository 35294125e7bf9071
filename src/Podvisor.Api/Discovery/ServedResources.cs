using k8s.Models;
using Podvisor.Api.Auth;
using Podvisor.Api.Events;

namespace Podvisor.Api.Discovery;

/// <summary>One resource of one group/version: its discovery entry and, for kinds with a schema, the model type.</summary>
internal sealed record ServedResource(string Group, string Version, V1APIResource Resource, Type? Model)
{
    public string GroupVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";
}

/// <summary>
/// Everything the API serves, in one table: discovery (<c>/api/v1</c>, <c>/apis/G/V</c>) and the OpenAPI documents are
/// generated from it, so a kind is advertised exactly where a route serves it (kubectl then reports any other kind
/// as unknown, as against any apiserver).
/// </summary>
internal static class ServedResources
{
    private static readonly string[] ReadOnly = ["get", "list", "watch"];
    private static readonly string[] ReadWrite = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public static readonly IReadOnlyList<ServedResource> All =
    [
        Core(new() { Name = "pods", SingularName = "pod", Namespaced = true, Kind = "Pod", Verbs = ReadWrite, ShortNames = ["po"], Categories = ["all"] }, typeof(V1Pod)),
        Core(new() { Name = "pods/log", SingularName = "", Namespaced = true, Kind = "Pod", Verbs = ["get"] }, null),
        Core(new() { Name = "pods/status", SingularName = "", Namespaced = true, Kind = "Pod", Verbs = ["get", "patch", "update"] }, null),
        Core(new() { Name = "configmaps", SingularName = "configmap", Namespaced = true, Kind = "ConfigMap", Verbs = ReadWrite, ShortNames = ["cm"] }, typeof(V1ConfigMap)),
        Core(new() { Name = "secrets", SingularName = "secret", Namespaced = true, Kind = "Secret", Verbs = ReadWrite }, typeof(V1Secret)),
        Core(new() { Name = "serviceaccounts", SingularName = "serviceaccount", Namespaced = true, Kind = "ServiceAccount", Verbs = ReadWrite, ShortNames = ["sa"] }, typeof(V1ServiceAccount)),
        Core(new() { Name = "serviceaccounts/token", SingularName = "", Namespaced = true, Group = ReviewEndpoints.AuthenticationGroup, Version = "v1", Kind = "TokenRequest", Verbs = ["create"] }, null),
        Core(new() { Name = "events", SingularName = "event", Namespaced = true, Kind = "Event", Verbs = ReadOnly, ShortNames = ["ev"] }, typeof(Corev1Event)),
        Core(new() { Name = "namespaces", SingularName = "namespace", Namespaced = false, Kind = "Namespace", Verbs = ["create", "delete", "get", "list", "watch"], ShortNames = ["ns"] }, typeof(V1Namespace)),
        Core(new() { Name = "nodes", SingularName = "node", Namespaced = false, Kind = "Node", Verbs = ReadOnly, ShortNames = ["no"] }, typeof(V1Node)),
        Core(new() { Name = "nodes/status", SingularName = "", Namespaced = false, Kind = "Node", Verbs = ["get"] }, null),
        new(EventsV1Endpoints.Group, "v1", new() { Name = "events", SingularName = "event", Namespaced = true, Kind = "Event", Verbs = ReadOnly, ShortNames = ["ev"] }, typeof(Eventsv1Event)),
        new(ReviewEndpoints.AuthorizationGroup, "v1", new() { Name = "selfsubjectaccessreviews", SingularName = "selfsubjectaccessreview", Namespaced = false, Kind = "SelfSubjectAccessReview", Verbs = ["create"] }, typeof(V1SelfSubjectAccessReview)),
        new(ReviewEndpoints.AuthorizationGroup, "v1", new() { Name = "selfsubjectrulesreviews", SingularName = "selfsubjectrulesreview", Namespaced = false, Kind = "SelfSubjectRulesReview", Verbs = ["create"] }, typeof(V1SelfSubjectRulesReview)),
        new(Metrics.MetricsEndpoints.Group, "v1beta1", new() { Name = "pods", SingularName = "", Namespaced = true, Kind = "PodMetrics", Verbs = ["get", "list"] }, null),
        new(Metrics.MetricsEndpoints.Group, "v1beta1", new() { Name = "nodes", SingularName = "", Namespaced = false, Kind = "NodeMetrics", Verbs = ["get", "list"] }, null),
        .. ReviewEndpoints.AuthenticationVersions.Select(v => new ServedResource(
            ReviewEndpoints.AuthenticationGroup, v, new() { Name = "selfsubjectreviews", SingularName = "selfsubjectreview", Namespaced = false, Kind = "SelfSubjectReview", Verbs = ["create"] }, typeof(V1SelfSubjectReview))),
    ];

    /// <summary>Group/versions in discovery order; the preferred version of a group is its first.</summary>
    public static IEnumerable<IGrouping<string, ServedResource>> ByGroupVersion() => All.GroupBy(r => r.GroupVersion);

    public static IEnumerable<IGrouping<string, ServedResource>> Groups() => All.Where(r => r.Group.Length > 0).GroupBy(r => r.Group);

    private static ServedResource Core(V1APIResource resource, Type? model) => new("", "v1", resource, model);
}
