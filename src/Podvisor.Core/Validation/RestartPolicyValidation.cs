using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Core.Validation;

/// <summary>
/// Validation of pod and container restart policies and container restart rules (docs/lifecycle.md §3.1–§3.3, §3.5, §D2, §D3).
/// Mirrors validation.go validateContainerRestartPolicy, validateInitContainerRestartPolicy and validateRestartPolicy.
/// </summary>
public static class RestartPolicyValidation
{
    public const int MaxRestartRules = 20;
    public const int MaxExitCodeValues = 255;

    /// <summary>sets.List order (sorted) for container policies.</summary>
    private static readonly string[] SupportedContainerRestartPolicies =
        [RestartPolicies.Always, RestartPolicies.Never, RestartPolicies.OnFailure];

    /// <summary>validateRestartPolicy lists pod policies in code order, not sorted (docs/lifecycle.md §3.5).</summary>
    private static readonly string[] SupportedPodRestartPolicies = [RestartPolicies.Always, RestartPolicies.OnFailure, RestartPolicies.Never];

    private static readonly string[] SupportedOperators = [ContainerRestartRuleOperators.In, ContainerRestartRuleOperators.NotIn];

    /// <summary>Mirrors validateRestartPolicy (docs/lifecycle.md §3.5): empty is Required, unknown values NotSupported.</summary>
    public static IEnumerable<FieldError> ValidatePodRestartPolicy(string? policy, FieldPath path)
    {
        if (string.IsNullOrEmpty(policy))
        {
            yield return FieldError.Required(path);
        }
        else if (!SupportedPodRestartPolicies.Contains(policy))
        {
            yield return FieldError.NotSupported(path, policy, SupportedPodRestartPolicies);
        }
    }

    /// <summary>Mirrors the restart-policy part of validateContainers (docs/lifecycle.md §3.3) for a regular container.</summary>
    public static IEnumerable<FieldError> ValidateRegularContainer(V1Container container, FieldPath path, PodValidationOptions opts)
    {
        if (opts.AllowContainerRestartPolicyRules)
        {
            return ValidateContainerRestartPolicy(container.RestartPolicy, container.RestartPolicyRules, path, opts);
        }

        return container.RestartPolicy is null
            ? []
            : [FieldError.Forbidden(path.Child("restartPolicy"), "may not be set for non-init containers")];
    }

    /// <summary>
    /// Mirrors validateInitContainerRestartPolicy (docs/lifecycle.md §3.2) plus §D3: rules without a policy on an init container are
    /// rejected like on a regular container. Sidecars (Always) may carry rules only with AllowRestartAllContainers.
    /// </summary>
    public static IEnumerable<FieldError> ValidateInitContainer(V1Container container, FieldPath path, PodValidationOptions opts)
    {
        var policy = container.RestartPolicy;
        var rules = container.RestartPolicyRules;
        if (!opts.AllowContainerRestartPolicyRules)
        {
            return policy is null || policy == RestartPolicies.Always
                ? []
                : [FieldError.NotSupported(path.Child("restartPolicy"), policy, [RestartPolicies.Always])];
        }

        if (policy != RestartPolicies.Always || opts.AllowRestartAllContainers)
        {
            return ValidateContainerRestartPolicy(policy, rules, path, opts);
        }

        return rules is { Count: > 0 }
            ? [FieldError.Forbidden(path.Child("restartPolicyRules"), "restartPolicyRules are not allowed for init containers with restart policy Always")]
            : [];
    }

    /// <summary>
    /// Mirrors validateContainerRestartPolicy (docs/lifecycle.md §3.1) with the 1.36 messages of §D2: TooMany for the limits and the
    /// supported-actions list including "RestartAllContainers" when that action is allowed. Exit-code values are not
    /// range-checked and duplicates are accepted (docs/lifecycle.md §D3).
    /// </summary>
    public static IEnumerable<FieldError> ValidateContainerRestartPolicy(
        string? policy, IList<V1ContainerRestartRule>? rules, FieldPath path, PodValidationOptions opts)
    {
        var errs = new List<FieldError>();
        rules ??= [];
        var policyPath = path.Child("restartPolicy");
        if (policy is null)
        {
            if (rules.Count == 0)
            {
                return errs;
            }

            errs.Add(FieldError.Required(policyPath, "must specify restartPolicy when restart rules are used"));
        }
        else if (!SupportedContainerRestartPolicies.Contains(policy))
        {
            errs.Add(FieldError.NotSupported(policyPath, policy, SupportedContainerRestartPolicies));
        }

        var rulesPath = path.Child("restartPolicyRules");
        if (rules.Count > MaxRestartRules)
        {
            errs.Add(FieldError.TooMany(rulesPath, rules.Count, MaxRestartRules));
        }

        for (var i = 0; i < rules.Count; i++)
        {
            errs.AddRange(ValidateRule(rules[i], rulesPath.Index(i), opts));
        }

        return errs;
    }

    private static IEnumerable<FieldError> ValidateRule(V1ContainerRestartRule rule, FieldPath rulePath, PodValidationOptions opts)
    {
        string[] actions = opts.AllowRestartAllContainers
            ? [ContainerRestartRuleActions.Restart, ContainerRestartRuleActions.RestartAllContainers]
            : [ContainerRestartRuleActions.Restart];
        if (!actions.Contains(rule.Action))
        {
            yield return FieldError.NotSupported(rulePath.Child("action"), rule.Action ?? "", actions);
        }

        var exitCodesPath = rulePath.Child("exitCodes");
        if (rule.ExitCodes is null)
        {
            yield return FieldError.Required(exitCodesPath, "must be specified");
            yield break;
        }

        if (!SupportedOperators.Contains(rule.ExitCodes.OperatorProperty))
        {
            yield return FieldError.NotSupported(exitCodesPath.Child("operator"), rule.ExitCodes.OperatorProperty ?? "", SupportedOperators);
        }

        if (rule.ExitCodes.Values is { Count: > MaxExitCodeValues } values)
        {
            yield return FieldError.TooMany(exitCodesPath.Child("values"), values.Count, MaxExitCodeValues);
        }
    }
}
