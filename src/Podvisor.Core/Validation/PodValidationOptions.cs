using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Core.Validation;

/// <summary>
/// The validation options that depend on feature gates. Mirrors pkg/api/pod/util.go GetValidationOptionsFromPodSpecAndMeta:
/// an option is on when its gate is on OR the old pod already uses the field, so updates of such pods stay valid (docs/lifecycle.md §1).
/// </summary>
public sealed record PodValidationOptions(bool AllowContainerRestartPolicyRules, bool AllowRestartAllContainers)
{
    /// <summary>Options for validating a pod against <paramref name="gates"/>, given the stored pod on update (or null).</summary>
    public static PodValidationOptions For(FeatureGates gates, V1PodSpec? oldSpec) => new(
        gates.ContainerRestartRules || ContainerRestartRulesInUse(oldSpec),
        gates.RestartAllContainersOnContainerExits || RestartAllContainersInUse(oldSpec));

    /// <summary>
    /// Mirrors containerRestartRulesInUse: a non-Always policy on an init container, any policy on a regular container,
    /// or any rule.
    /// </summary>
    public static bool ContainerRestartRulesInUse(V1PodSpec? spec)
    {
        if (spec is null)
        {
            return false;
        }

        var initInUse = (spec.InitContainers ?? []).Any(c =>
            (c.RestartPolicy is not null && c.RestartPolicy != RestartPolicies.Always) || c.RestartPolicyRules is { Count: > 0 });
        var regularInUse = (spec.Containers ?? []).Any(c => c.RestartPolicy is not null || c.RestartPolicyRules is { Count: > 0 });
        return initInUse || regularInUse;
    }

    /// <summary>
    /// Mirrors restartAllContainersActionInUse: any rule with the RestartAllContainers action, or rules on a sidecar
    /// (which only AllowRestartAllContainers permits).
    /// </summary>
    public static bool RestartAllContainersInUse(V1PodSpec? spec)
    {
        if (spec is null)
        {
            return false;
        }

        var all = (spec.InitContainers ?? []).Concat(spec.Containers ?? []);
        var actionInUse = all.Any(c => (c.RestartPolicyRules ?? []).Any(r => r.Action == ContainerRestartRuleActions.RestartAllContainers));
        var sidecarRulesInUse = (spec.InitContainers ?? []).Any(c =>
            c.RestartPolicy == RestartPolicies.Always && c.RestartPolicyRules is { Count: > 0 });
        return actionInUse || sidecarRulesInUse;
    }
}
