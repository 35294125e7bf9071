using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Core.Lifecycle;

/// <summary>
/// A manual RestartAllContainers request (docs/restart-all-request.md): each new value of the pod annotation
/// <see cref="Annotation"/> asks for exactly one cycle with the same semantics as a rule-triggered one. Whether a value
/// is new is the agent's bookkeeping; this type holds the vocabulary and the pure decisions.
/// </summary>
public static class RestartAllRequest
{
    public const string Annotation = "podvisor.dev/restart-all-containers";

    /// <summary>The annotation's value, or null when the pod has none.</summary>
    public static string? Value(V1Pod pod) =>
        pod.Metadata?.Annotations is { } annotations && annotations.TryGetValue(Annotation, out var value) ? value : null;

    /// <summary>A pod carrying the annotation may restart all containers in place even without a RestartAllContainers rule.</summary>
    public static bool IsAnnotated(V1Pod pod) => Value(pod) is not null;

    public static string Cause(string value) => $"restart requested through annotation {Annotation}=\"{value}\"";

    /// <summary>The RestartAllContainers event of a requested cycle (docs/lifecycle.md §D14, the manual form of the §D12 message).</summary>
    public static string EventMessage(string value) => Cause(value) + "; restarting all containers in place";

    public static string RefusedMessage(string value, string why) => Cause(value) + "; not restarting: " + why;

    /// <summary>Why a new request cannot start a cycle now, or null when it starts one.</summary>
    public static string? Refusal(V1Pod pod, V1PodStatus? status, FeatureGates gates)
    {
        if (!gates.RestartAllContainersOnContainerExits)
        {
            return "feature gate RestartAllContainersOnContainerExits is disabled";
        }

        if (pod.Metadata?.DeletionTimestamp is not null)
        {
            return "the pod is being deleted";
        }

        if (PodPhases.IsTerminal(status?.Phase))
        {
            return $"the pod is {status!.Phase}";
        }

        return PodConditions.IsRestartingAll(status)
            ? "a RestartAllContainers cycle is already in progress"
            : null;
    }
}
