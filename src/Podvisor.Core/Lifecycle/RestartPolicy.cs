using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Core.Lifecycle;

/// <summary>What the restart decision says about one container.</summary>
public enum RestartAction
{
    DoNotRestart,
    Restart,

    /// <summary>A RestartAllContainers rule matched with its gate on: the container comes back with the whole pod (docs/lifecycle.md §6).</summary>
    RestartAllContainers,
}

/// <summary>The restart decision for one container, with the rule or policy that made it (e.g. <c>container restartPolicy OnFailure, exit code 0</c>).</summary>
public readonly record struct RestartDecision(RestartAction Action, string Reason)
{
    /// <summary>True for <see cref="RestartAction.Restart"/> and <see cref="RestartAction.RestartAllContainers"/>.</summary>
    public bool Restarts => Action != RestartAction.DoNotRestart;
}

/// <summary>A restart rule that matched an exit, with its index in <c>restartPolicyRules</c>.</summary>
public readonly record struct MatchedRule(V1ContainerRestartRule Rule, int Index)
{
    public bool IsRestartAll => Rule.Action == ContainerRestartRuleActions.RestartAllContainers;
}

/// <summary>
/// The one home of the restart decision (docs/lifecycle.md §4): the effective policies and <see cref="Decide"/>.
/// Mirrors ContainerShouldRestart and FindMatchingContainerRestartRule (pkg/api/v1/pod/util.go) and, without an exit code,
/// the probe-kill and Unknown-state branches of computePodActions (pkg/kubelet/kuberuntime/kuberuntime_manager.go).
/// </summary>
public static class RestartPolicy
{
    /// <summary>The pod restart policy with the API default (Always) applied.</summary>
    public static string EffectiveFor(V1PodSpec spec) =>
        string.IsNullOrEmpty(spec.RestartPolicy) ? RestartPolicies.Always : spec.RestartPolicy;

    /// <summary>The container's own policy when ContainerRestartRules is on and it sets one, else the pod's.</summary>
    public static string EffectiveFor(V1PodSpec spec, V1Container container, FeatureGates gates) =>
        gates.ContainerRestartRules && container.RestartPolicy is { } own ? own : EffectiveFor(spec);

    /// <summary>
    /// Whether <paramref name="container"/> comes back after an exit with <paramref name="exitCode"/> (docs/lifecycle.md §4), or,
    /// when it is null, after a kill with no exit to match rules against (a probe failure or an Unknown instance, §4.2):
    /// then the effective policy decides alone and only Never keeps it down.
    /// With an exit code, rules count only when ContainerRestartRules is on and the container sets its own policy; the first
    /// matching rule wins; a RestartAllContainers rule with its gate off (or an unknown action) falls to the container policy,
    /// and a container policy other than the three falls to the pod policy. An unknown pod policy behaves as Always.
    /// </summary>
    public static RestartDecision Decide(V1PodSpec spec, V1Container container, FeatureGates gates, int? exitCode)
    {
        if (exitCode is not { } code)
        {
            var source = gates.ContainerRestartRules && container.RestartPolicy is not null ? "container" : "pod";
            return ByPolicy(source, EffectiveFor(spec, container, gates), null);
        }

        if (gates.ContainerRestartRules && container.RestartPolicy is { } own)
        {
            if (FindMatchingRule(container, code) is { } match && ByRule(match, code, gates) is { } byRule)
            {
                return byRule;
            }

            if (own is RestartPolicies.Always or RestartPolicies.OnFailure or RestartPolicies.Never)
            {
                return ByPolicy("container", own, code);
            }
        }

        return ByPolicy("pod", EffectiveFor(spec), code);
    }

    /// <summary>
    /// Mirrors FindMatchingContainerRestartRule (docs/lifecycle.md §4): the first rule whose exitCodes match wins; rules without
    /// exitCodes or with an unknown operator are skipped.
    /// </summary>
    public static MatchedRule? FindMatchingRule(V1Container container, int exitCode)
    {
        var rules = container.RestartPolicyRules;
        if (rules is null)
        {
            return null;
        }

        for (var i = 0; i < rules.Count; i++)
        {
            var exitCodes = rules[i].ExitCodes;
            if (exitCodes is null)
            {
                continue;
            }

            var matched = exitCodes.Values?.Contains(exitCode) ?? false;
            switch (exitCodes.OperatorProperty)
            {
                case ContainerRestartRuleOperators.In when matched:
                case ContainerRestartRuleOperators.NotIn when !matched:
                    return new MatchedRule(rules[i], i);
            }
        }

        return null;
    }

    /// <summary>The decision a matched rule makes, or null when it falls to the container policy (gate off, unknown action).</summary>
    private static RestartDecision? ByRule(MatchedRule match, int exitCode, FeatureGates gates)
    {
        var action = match.Rule.Action switch
        {
            ContainerRestartRuleActions.Restart => RestartAction.Restart,
            ContainerRestartRuleActions.RestartAllContainers when gates.RestartAllContainersOnContainerExits => RestartAction.RestartAllContainers,
            _ => (RestartAction?)null,
        };
        return action is { } a
            ? new RestartDecision(a, $"restartPolicyRules[{match.Index}] {match.Rule.Action} matched exit code {exitCode}")
            : null;
    }

    /// <summary>Always restarts; OnFailure restarts a non-zero (or absent) exit code; Never does not; unknown values behave as Always.</summary>
    private static RestartDecision ByPolicy(string source, string policy, int? exitCode)
    {
        var restarts = policy switch
        {
            RestartPolicies.OnFailure => exitCode != 0,
            RestartPolicies.Never => false,
            _ => true,
        };
        var exit = exitCode is { } code ? $"exit code {code}" : "no exit code";
        return new RestartDecision(restarts ? RestartAction.Restart : RestartAction.DoNotRestart, $"{source} restartPolicy {policy}, {exit}");
    }
}
