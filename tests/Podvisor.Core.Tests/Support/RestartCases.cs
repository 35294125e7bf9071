using k8s.Models;

namespace Podvisor.Core.Tests.Support;

/// <summary>The axes of the restart matrices (docs/lifecycle.md §4): policies, rule sets and gate combinations.</summary>
public static class RestartCases
{
    /// <summary>Unset and the three policies.</summary>
    public static readonly string?[] Policies = [null, "Always", "OnFailure", "Never"];

    /// <summary>In/NotIn with listed and empty values, first-match order, unknown operators and actions, rules without exitCodes.</summary>
    public static readonly V1ContainerRestartRule[][] RuleSets =
    [
        [],
        [Containers.Restart("In", 42)],
        [Containers.Restart("NotIn")],
        [Containers.Restart("In")],
        [Containers.RestartAll("In", 42)],
        [Containers.RestartAll("In", 88)],
        [Containers.Restart("NotIn", 0, 3), Containers.RestartAll("In", 7)],
        [Containers.Restart("In", 0)],
        [Containers.Rule("Restart", "Foo", 1), Containers.Rule("Pause", "In", 3), Containers.Restart("In", 7)],
        [new V1ContainerRestartRule { Action = "Restart" }, Containers.RestartAll("NotIn", 0)],
    ];

    /// <summary>(ContainerRestartRules, RestartAllContainersOnContainerExits): both, each alone, neither.</summary>
    public static readonly FeatureGates[] Gates = [new(true, true), new(true, false), new(false, true), new(false, false)];
}
