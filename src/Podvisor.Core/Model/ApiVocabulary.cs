namespace Podvisor.Core.Model;

/// <summary>Pod and container <c>restartPolicy</c> values (core/v1 RestartPolicy and ContainerRestartPolicy).</summary>
public static class RestartPolicies
{
    public const string Always = "Always";
    public const string OnFailure = "OnFailure";
    public const string Never = "Never";
}

/// <summary><c>restartPolicyRules[].action</c> values (core/v1 ContainerRestartRuleAction).</summary>
public static class ContainerRestartRuleActions
{
    public const string Restart = "Restart";
    public const string RestartAllContainers = "RestartAllContainers";
}

/// <summary><c>restartPolicyRules[].exitCodes.operator</c> values (core/v1 ContainerRestartRuleOnExitCodesOperator).</summary>
public static class ContainerRestartRuleOperators
{
    public const string In = "In";
    public const string NotIn = "NotIn";
}

/// <summary>Container <c>imagePullPolicy</c> values (core/v1 PullPolicy).</summary>
public static class PullPolicies
{
    public const string Always = "Always";
    public const string IfNotPresent = "IfNotPresent";
    public const string Never = "Never";
}
