using k8s.Models;
using Podvisor.Core;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Tests.Support;

namespace Podvisor.Core.Tests.Lifecycle;

/// <summary>
/// docs/lifecycle.md §4 and the §4.2 interplay matrix: pod policy x container policy x rules x exit code x gates, checked against
/// the decider and end to end through the planner (a single exited container: restarted, restart-all, or pod killed).
/// </summary>
public class RestartMatrixTests
{
    private static readonly int[] ExitCodes = [0, 1, 3, 7, 42, 88, 137, 143];

    public static TheoryData<int, int> RuleSetsAndGates()
    {
        var data = new TheoryData<int, int>();
        for (var r = 0; r < RestartCases.RuleSets.Length; r++)
        {
            for (var g = 0; g < RestartCases.Gates.Length; g++)
            {
                data.Add(r, g);
            }
        }

        return data;
    }

    /// <summary>docs/lifecycle.md §4.2, row by row (gates at the Podvisor defaults).</summary>
    [Theory]
    [InlineData("Never", null, "", 1, false)]
    [InlineData("Never", null, "", 0, false)]
    [InlineData("Never", "Never", "Restart In 42", 42, true)]
    [InlineData("Never", "Never", "Restart In 42", 1, false)]
    [InlineData("Never", "Always", "", 0, true)]
    [InlineData("Never", "Always", "", 1, true)]
    [InlineData("Always", "Never", "", 0, false)]
    [InlineData("Always", "Never", "", 1, false)]
    [InlineData("OnFailure", "Never", "", 1, false)]
    [InlineData("OnFailure", "OnFailure", "Restart In 0", 0, true)] // CR-08
    [InlineData("OnFailure", "OnFailure", "", 0, false)]
    [InlineData("Always", "Never", "Restart NotIn", 0, true)] // CR-07
    [InlineData("Never", "Never", "Restart NotIn", 255, true)]
    [InlineData("Never", "Never", "RestartAllContainers In 88", 88, true)]
    [InlineData("Always", null, "Restart In 42", 0, true)] // rules only count with a container policy
    [InlineData("Never", null, "Restart In 42", 42, false)]
    public void Matrix_4_2_ContainerShouldRestart(string podPolicy, string? containerPolicy, string rule, int exitCode, bool restart)
    {
        var container = Containers.New("c", containerPolicy, ParseRules(rule));
        var spec = new V1PodSpec { RestartPolicy = podPolicy, Containers = [container] };
        Assert.Equal(restart, RestartPolicy.Decide(spec, container, FeatureGates.Default, exitCode).Restarts);
    }

    [Theory]
    [InlineData("Never", 1, false)]
    [InlineData("OnFailure", 0, false)]
    [InlineData("OnFailure", 1, true)]
    [InlineData(null, 0, true)]
    public void UnsupportedContainerPolicy_FallsThroughToThePodPolicy(string? podPolicy, int exitCode, bool restart)
    {
        var container = Containers.New("c", "Sometimes");
        var spec = new V1PodSpec { RestartPolicy = podPolicy, Containers = [container] };
        Assert.Equal(restart, RestartPolicy.Decide(spec, container, FeatureGates.Default, exitCode).Restarts);
    }

    [Theory]
    [InlineData(7, "restart")] // rule 0 (NotIn [0, 3]) wins over the RestartAllContainers rule
    [InlineData(3, "failed")]
    [InlineData(0, "failed")]
    [InlineData(9, "restart")]
    public void CR_06_FirstMatchingRuleWins(int exitCode, string outcome)
    {
        var pod = new PodBuilder().Never().Container("c", "Never", Containers.Restart("NotIn", 0, 3), Containers.RestartAll("In", 7));
        var plan = Plans.Compute(pod, r => r.Exited("c", exitCode));
        Assert.Empty(plan.ContainersToRemove);
        Assert.Equal(outcome, plan.ContainersToStart.IsEmpty ? "failed" : "restart");
        Assert.Equal(outcome == "failed", plan.KillPod);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public void CR_07_NotInEmptySetMatchesEveryExit(int exitCode)
    {
        var pod = new PodBuilder().Never().Container("c", "Never", Containers.Restart("NotIn"));
        Assert.Equal(["c"], Plans.Compute(pod, r => r.Exited("c", exitCode)).ContainersToStart.Names());
    }

    [Fact]
    public void CR_08_OnFailurePlusARuleMatchingZero_RestartsASuccess()
    {
        var pod = new PodBuilder().OnFailure().Container("c", "OnFailure", Containers.Restart("In", 0));
        Assert.Equal(["c"], Plans.Compute(pod, r => r.Exited("c", 0)).ContainersToStart.Names());
    }

    [Theory]
    [MemberData(nameof(RuleSetsAndGates))]
    public void Matrix_DeciderAndPlannerAgreeWithTheSpecModel(int ruleSet, int gateIndex)
    {
        var gates = RestartCases.Gates[gateIndex];
        var failures = new List<string>();
        foreach (var podPolicy in RestartCases.Policies)
        {
            foreach (var containerPolicy in RestartCases.Policies)
            {
                foreach (var exitCode in ExitCodes)
                {
                    var outcome = Check(podPolicy, containerPolicy, RestartCases.RuleSets[ruleSet], exitCode, gates);
                    if (outcome is not null)
                    {
                        failures.Add($"pod={podPolicy ?? "-"} container={containerPolicy ?? "-"} exit={exitCode}: {outcome}");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>Returns null when the decider and the planner agree with the spec model, else what differed.</summary>
    private static string? Check(string? podPolicy, string? containerPolicy, V1ContainerRestartRule[] rules, int exitCode, FeatureGates gates)
    {
        var pod = new PodBuilder().RestartPolicy(podPolicy).Container("c", containerPolicy, rules).Build();
        var (restart, restartAll) = SpecModel(podPolicy, containerPolicy, rules, exitCode, gates);
        var decided = RestartPolicy.Decide(pod.Spec, pod.Spec.Containers[0], gates, exitCode).Restarts;
        if (decided != restart)
        {
            return $"Decide={decided}, model={restart}";
        }

        var plan = Plans.Compute(pod, new RuntimeBuilder(pod).Exited("c", exitCode).Build(), gates: gates);
        var expected = restartAll ? "remove=[c]" : restart ? "start=[c]" : "killPod";
        var actual = plan.ContainersToRemove.Names() is ["c"] && plan.ContainersToStart.IsEmpty && !plan.KillPod ? "remove=[c]"
            : plan.ContainersToStart.Names() is ["c"] && plan.ContainersToRemove.IsEmpty && !plan.KillPod ? "start=[c]"
            : plan.KillPod && plan.ContainersToStart.IsEmpty && plan.ContainersToRemove.IsEmpty ? "killPod"
            : plan.Describe();
        return actual == expected ? null : $"plan {actual}, model {expected}";
    }

    /// <summary>
    /// The spec, written out independently: rules count only with ContainerRestartRules and a container policy; the
    /// first rule whose exitCodes match (In/NotIn) wins; Restart restarts; RestartAllContainers restarts everything when
    /// its gate is on (trigger detection does not need the container policy) and otherwise falls back to the container
    /// policy; Always restarts, OnFailure restarts non-zero, Never never.
    /// </summary>
    private static (bool Restart, bool RestartAll) SpecModel(
        string? podPolicy, string? containerPolicy, V1ContainerRestartRule[] rules, int exitCode, FeatureGates gates)
    {
        var match = rules.FirstOrDefault(r => r.ExitCodes is { } codes
            && ((codes.OperatorProperty == "In" && codes.Values.Contains(exitCode)) || (codes.OperatorProperty == "NotIn" && !codes.Values.Contains(exitCode))));
        var restartAll = gates.RestartAllContainersOnContainerExits && match?.Action == "RestartAllContainers";
        bool ByPolicy(string? policy) => policy switch
        {
            "OnFailure" => exitCode != 0,
            "Never" => false,
            _ => true,
        };

        if (!gates.ContainerRestartRules || containerPolicy is null)
        {
            return (ByPolicy(podPolicy), restartAll);
        }

        var restart = match?.Action switch
        {
            "Restart" => true,
            "RestartAllContainers" when gates.RestartAllContainersOnContainerExits => true,
            _ => ByPolicy(containerPolicy),
        };
        return (restart, restartAll);
    }

    private static V1ContainerRestartRule[] ParseRules(string rule)
    {
        if (rule.Length == 0)
        {
            return [];
        }

        var parts = rule.Split(' ');
        var codes = parts.Length > 2 ? parts[2].Split(',').Select(int.Parse).ToArray() : [];
        return [Containers.Rule(parts[0], parts[1], codes)];
    }
}
