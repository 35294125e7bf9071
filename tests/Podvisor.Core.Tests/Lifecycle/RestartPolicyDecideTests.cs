using k8s.Models;
using Podvisor.Core;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Tests.Support;

namespace Podvisor.Core.Tests.Lifecycle;

/// <summary>
/// <see cref="RestartPolicy.Decide"/> against an oracle written from docs/lifecycle.md §4 and §4.2, over every combination of pod
/// policy × container policy × rules × gates × exit code (or none) × regular or init container (an init container with Always is a sidecar).
/// </summary>
public class RestartPolicyDecideTests
{
    private static readonly string?[] PodPolicies = [.. RestartCases.Policies, ""];
    private static readonly int?[] Exits = [null, 0, 1, 3, 7, 42, 88, 137, -1];

    /// <summary>The shared rule sets and a few more: NotIn with codes, a rule without values, RestartAll before Restart on one code.</summary>
    private static readonly V1ContainerRestartRule[][] RuleSets =
    [
        .. RestartCases.RuleSets,
        [Containers.Restart("NotIn", 0)],
        [Containers.RestartAll("NotIn", 0, 1)],
        [Containers.RestartAll("In", 42), Containers.Restart("In", 42)],
        [new V1ContainerRestartRule { Action = "Restart", ExitCodes = new V1ContainerRestartRuleOnExitCodes { OperatorProperty = "NotIn" } }],
    ];

    public static TheoryData<string?, string?, int> PoliciesAndGates()
    {
        var data = new TheoryData<string?, string?, int>();
        foreach (var pod in PodPolicies)
        {
            foreach (var container in RestartCases.Policies)
            {
                for (var g = 0; g < RestartCases.Gates.Length; g++)
                {
                    data.Add(pod, container, g);
                }
            }
        }

        return data;
    }

    /// <summary>Each row runs every rule set × exit code, with the container as a regular and as an init container.</summary>
    [Theory]
    [MemberData(nameof(PoliciesAndGates))]
    public void Decide_AgreesWithTheOracle(string? podPolicy, string? containerPolicy, int gateIndex)
    {
        var gates = RestartCases.Gates[gateIndex];
        var failures = new List<string>();
        var cases = 0;
        foreach (var rules in RuleSets)
        {
            foreach (var exit in Exits)
            {
                foreach (var asInit in new[] { false, true })
                {
                    var container = Containers.New("c", containerPolicy, rules);
                    var spec = asInit
                        ? new V1PodSpec { RestartPolicy = podPolicy, InitContainers = [container], Containers = [Containers.New("app")] }
                        : new V1PodSpec { RestartPolicy = podPolicy, Containers = [container] };
                    var expected = Oracle(podPolicy, containerPolicy, rules, gates, exit);
                    var actual = RestartPolicy.Decide(spec, container, gates, exit);
                    cases++;
                    if (actual != expected)
                    {
                        failures.Add($"rules=[{Describe(rules)}] exit={exit?.ToString() ?? "none"} init={asInit}: got {actual}, want {expected}");
                    }
                }
            }
        }

        Assert.Equal(RuleSets.Length * Exits.Length * 2, cases);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData("Never", "Never", 42, RestartAction.Restart, "restartPolicyRules[0] Restart matched exit code 42")]
    [InlineData("Never", "Never", 1, RestartAction.DoNotRestart, "container restartPolicy Never, exit code 1")]
    [InlineData(null, null, 0, RestartAction.Restart, "pod restartPolicy Always, exit code 0")]
    [InlineData("OnFailure", "OnFailure", null, RestartAction.Restart, "container restartPolicy OnFailure, no exit code")]
    [InlineData("Never", null, null, RestartAction.DoNotRestart, "pod restartPolicy Never, no exit code")]
    public void Decide_SaysWhichRuleOrPolicyDecided(string? podPolicy, string? containerPolicy, int? exit, RestartAction action, string reason)
    {
        var container = Containers.New("c", containerPolicy, containerPolicy is null ? [] : [Containers.Restart("In", 42)]);
        var spec = new V1PodSpec { RestartPolicy = podPolicy, Containers = [container] };
        Assert.Equal(new RestartDecision(action, reason), RestartPolicy.Decide(spec, container, FeatureGates.Default, exit));
    }

    [Fact]
    public void Decide_RestartAllContainersRule_WithItsGateOn_IsAWholePodDecision()
    {
        var container = Containers.New("c", "Never", Containers.RestartAll("In", 88));
        var spec = new V1PodSpec { RestartPolicy = "Never", Containers = [container] };
        var decision = RestartPolicy.Decide(spec, container, FeatureGates.Default, 88);
        Assert.Equal(RestartAction.RestartAllContainers, decision.Action);
        Assert.True(decision.Restarts);
        Assert.False(RestartPolicy.Decide(spec, container, new FeatureGates(true, false), 88).Restarts);
    }

    /// <summary>
    /// docs/lifecycle.md §4, step by step. Rules and the container's policy count only with ContainerRestartRules (§D1) and
    /// a container policy (step 1). Without an exit code (a probe kill, §4.2) the rules are not consulted: the container's
    /// policy, else the pod's, restarts unless it is Never.
    /// </summary>
    private static RestartDecision Oracle(string? podPolicy, string? containerPolicy, V1ContainerRestartRule[] rules, FeatureGates gates, int? exit)
    {
        var pod = string.IsNullOrEmpty(podPolicy) ? "Always" : podPolicy; // step 4: an empty pod policy counts as Always
        var own = gates.ContainerRestartRules ? containerPolicy : null;
        if (exit is null)
        {
            var byProbe = own ?? pod;
            return new(byProbe == "Never" ? RestartAction.DoNotRestart : RestartAction.Restart,
                $"{(own is null ? "pod" : "container")} restartPolicy {byProbe}, no exit code");
        }

        var code = exit.Value;
        if (own is not null)
        {
            // Step 2: the first rule with exitCodes whose In/NotIn matches; other operators and missing exitCodes are skipped.
            var index = Array.FindIndex(rules, r => r.ExitCodes is { } e
                && ((e.OperatorProperty == "In" && (e.Values ?? []).Contains(code)) || (e.OperatorProperty == "NotIn" && !(e.Values ?? []).Contains(code))));
            var action = index < 0 ? null : rules[index].Action;
            var why = $"restartPolicyRules[{index}] {action} matched exit code {code}";
            if (action == "Restart")
            {
                return new(RestartAction.Restart, why); // step 3
            }

            if (action == "RestartAllContainers" && gates.RestartAllContainersOnContainerExits)
            {
                return new(RestartAction.RestartAllContainers, why); // step 3, §6
            }

            return PolicySays("container", own, code); // step 3: otherwise the container's policy, later rules untried
        }

        return PolicySays("pod", pod, code);
    }

    /// <summary>Step 4: Always yes, OnFailure when the code is not 0, Never no.</summary>
    private static RestartDecision PolicySays(string whose, string policy, int code)
    {
        var yes = policy == "Always" || (policy == "OnFailure" && code != 0);
        return new(yes ? RestartAction.Restart : RestartAction.DoNotRestart, $"{whose} restartPolicy {policy}, exit code {code}");
    }

    private static string Describe(V1ContainerRestartRule[] rules) =>
        string.Join("; ", rules.Select(r => $"{r.Action} {r.ExitCodes?.OperatorProperty} {string.Join(",", r.ExitCodes?.Values ?? [])}"));
}
