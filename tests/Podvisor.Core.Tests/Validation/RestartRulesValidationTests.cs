using k8s.Models;
using Podvisor.Core.Validation;
using static Podvisor.Core.Tests.Validation.TestPods;

namespace Podvisor.Core.Tests.Validation;

/// <summary>Scenario CR-12 (docs/lifecycle.md §3.1–§3.4) with the 1.36 wording of §D2 and the gate behaviour of §D1/§D3.</summary>
public class RestartRulesValidationTests
{
    private static readonly FeatureGates RestartAllOff = new(RestartAllContainersOnContainerExits: false);

    private static V1Pod WithContainer(V1Container c) => Valid(p => p.Spec.Containers = [c]);

    private static V1Pod WithInit(V1Container c) => Valid(p => p.Spec.InitContainers = [c]);

    [Fact]
    public void CR_12_RulesWithoutRestartPolicyOnARegularContainer()
    {
        var errs = CreateErrors(WithContainer(Container("app", null, Rule())));
        Assert.Equal(["spec.containers[0].restartPolicy: Required value: must specify restartPolicy when restart rules are used"], errs);
    }

    [Theory]
    [InlineData("Sometimes")]
    [InlineData("always")]
    [InlineData("")]
    public void CR_12_UnsupportedContainerRestartPolicy(string policy)
    {
        var errs = CreateErrors(WithContainer(Container("app", policy)));
        Assert.Equal([$"spec.containers[0].restartPolicy: Unsupported value: \"{policy}\": supported values: \"Always\", \"Never\", \"OnFailure\""], errs);
    }

    [Fact]
    public void CR_12_TwentyOneRulesAreTooMany()
    {
        var rules = Enumerable.Range(0, 21).Select(_ => Rule()).ToArray();
        var errs = CreateErrors(WithContainer(Container("app", "Never", rules)));
        Assert.Equal(["spec.containers[0].restartPolicyRules: Too many: 21: must have at most 20 items"], errs);
    }

    [Fact]
    public void CR_12_TwentyRulesAreAllowed() =>
        Assert.Empty(CreateErrors(WithContainer(Container("app", "Never", Enumerable.Range(0, 20).Select(_ => Rule()).ToArray()))));

    [Fact]
    public void CR_12_256ExitCodeValuesAreTooMany()
    {
        var errs = CreateErrors(WithContainer(Container("app", "Never", Rule("Restart", "In", Enumerable.Range(0, 256).ToArray()))));
        Assert.Equal(["spec.containers[0].restartPolicyRules[0].exitCodes.values: Too many: 256: must have at most 255 items"], errs);
    }

    [Fact]
    public void CR_12_255ExitCodeValuesAreAllowed() =>
        Assert.Empty(CreateErrors(WithContainer(Container("app", "Never", Rule("Restart", "In", Enumerable.Range(0, 255).ToArray())))));

    [Theory]
    [InlineData("")]
    [InlineData("Equals")]
    [InlineData("in")]
    public void CR_12_UnsupportedOperator(string op)
    {
        var errs = CreateErrors(WithContainer(Container("app", "Never", Rule("Restart", op))));
        Assert.Equal([$"spec.containers[0].restartPolicyRules[0].exitCodes.operator: Unsupported value: \"{op}\": supported values: \"In\", \"NotIn\""], errs);
    }

    [Fact]
    public void CR_12_RuleWithoutExitCodes()
    {
        var errs = CreateErrors(WithContainer(Container("app", "Never", Rule("Restart", op: null))));
        Assert.Equal(["spec.containers[0].restartPolicyRules[0].exitCodes: Required value: must be specified"], errs);
    }

    [Theory]
    [InlineData(true, "Foo", "\"Restart\", \"RestartAllContainers\"")]
    [InlineData(false, "Foo", "\"Restart\"")]
    [InlineData(false, "RestartAllContainers", "\"Restart\"")]
    [InlineData(true, "", "\"Restart\", \"RestartAllContainers\"")]
    [InlineData(true, "restart", "\"Restart\", \"RestartAllContainers\"")]
    public void CR_12_UnsupportedActionListsTheAllowedActions(bool restartAllGate, string action, string supported)
    {
        var gates = new FeatureGates(RestartAllContainersOnContainerExits: restartAllGate);
        var errs = CreateErrors(WithContainer(Container("app", "Never", Rule(action))), gates);
        Assert.Equal([$"spec.containers[0].restartPolicyRules[0].action: Unsupported value: \"{action}\": supported values: {supported}"], errs);
    }

    [Theory]
    [InlineData("Restart")]
    [InlineData("RestartAllContainers")]
    public void CR_12_ValidActionsWithBothGatesOn(string action) =>
        Assert.Empty(CreateErrors(WithContainer(Container("app", "Never", Rule(action)))));

    [Fact]
    public void CR_12_SidecarRulesForbiddenWithRestartAllGateOff()
    {
        var errs = CreateErrors(WithInit(Container("side", "Always", Rule("RestartAllContainers"))), RestartAllOff);
        Assert.Contains("spec.initContainers[0].restartPolicyRules: Forbidden: restartPolicyRules are not allowed for init containers with restart policy Always", errs);
    }

    [Theory]
    [InlineData("Restart")]
    [InlineData("RestartAllContainers")]
    public void CR_12_SidecarRulesAllowedWithRestartAllGateOn(string action) =>
        Assert.Empty(CreateErrors(WithInit(Container("side", "Always", Rule(action)))));

    [Fact]
    public void CR_12_SidecarRulesAreValidatedWhenAllowed()
    {
        var errs = CreateErrors(WithInit(Container("side", "Always", Rule("Bogus", ""))));
        Assert.Equal(
        [
            "spec.initContainers[0].restartPolicyRules[0].action: Unsupported value: \"Bogus\": supported values: \"Restart\", \"RestartAllContainers\"",
            "spec.initContainers[0].restartPolicyRules[0].exitCodes.operator: Unsupported value: \"\": supported values: \"In\", \"NotIn\"",
        ], errs);
    }

    [Fact]
    public void CR_12_RegularContainerRestartPolicyForbiddenWithContainerRestartRulesOff()
    {
        var errs = CreateErrors(WithContainer(Container("app", "Never")), AllOff);
        Assert.Equal(["spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers"], errs);
    }

    [Theory]
    [InlineData("Never")]
    [InlineData("OnFailure")]
    [InlineData("Sometimes")]
    public void CR_12_InitContainerPolicyOtherThanAlwaysNeedsTheGate(string policy)
    {
        var errs = CreateErrors(WithInit(Container("init", policy)), AllOff);
        Assert.Equal([$"spec.initContainers[0].restartPolicy: Unsupported value: \"{policy}\": supported values: \"Always\""], errs);
    }

    [Theory]
    [InlineData("Never")]
    [InlineData("OnFailure")]
    public void CR_12_InitContainerPoliciesAllowedWithTheGate(string policy) =>
        Assert.Empty(CreateErrors(WithInit(Container("init", policy, Rule()))));

    [Fact]
    public void CR_12_EphemeralContainerRestartFieldsAreForbidden()
    {
        var pod = Valid(p => p.Spec.EphemeralContainers =
        [
            new V1EphemeralContainer
            {
                Name = "debug", Image = "busybox", TerminationMessagePolicy = "File", ImagePullPolicy = "IfNotPresent",
                RestartPolicy = "Never", RestartPolicyRules = [Rule()],
            },
        ]);
        var errs = CreateErrors(pod);
        Assert.Contains("spec.ephemeralContainers[0].restartPolicy: Forbidden: cannot be set for an Ephemeral Container", errs);
        Assert.Contains("spec.ephemeralContainers[0].restartPolicyRules: Forbidden: cannot be set for an Ephemeral Container", errs);
        Assert.Contains("spec.ephemeralContainers: Forbidden: cannot be set on create", errs);
    }

    [Fact]
    public void CR_12_AllErrorsInAPodAreReportedTogether()
    {
        var rules = Enumerable.Range(0, 21).Select(_ => Rule("Foo", "")).ToArray();
        var pod = Valid(p =>
        {
            p.Spec.Containers = [Container("app", null, rules), Container("two", "Sometimes")];
            p.Spec.InitContainers = [Container("side", "Always", Rule()), Container("init", null, Rule())];
        });
        var errs = PodValidator.ValidateCreate(pod, RestartAllOff);
        Assert.Equal(1 + 1 + 21 * 2 + 1 + 1 + 1, errs.Count);
        Assert.Equal("spec.containers[0].restartPolicy: Required value: must specify restartPolicy when restart rules are used", errs[0].ToString());
        Assert.Equal("spec.containers[0].restartPolicyRules: Too many: 21: must have at most 20 items", errs[1].ToString());
        var message = errs.ToInvalidMessage("Pod", "p");
        Assert.StartsWith("The Pod \"p\" is invalid: [spec.containers[0].restartPolicy: Required value", message);
        Assert.Contains("spec.containers[1].restartPolicy: Unsupported value: \"Sometimes\"", message);
        Assert.Contains("spec.initContainers[0].restartPolicyRules: Forbidden", message);
        Assert.Contains("spec.initContainers[1].restartPolicy: Required value", message);
    }

    [Fact]
    public void D3_RulesWithoutPolicyOnAnInitContainerAreRejected()
    {
        var errs = CreateErrors(WithInit(Container("init", null, Rule())));
        Assert.Equal(["spec.initContainers[0].restartPolicy: Required value: must specify restartPolicy when restart rules are used"], errs);
    }

    [Fact]
    public void D3_RulesWithoutPolicyOnAnInitContainerAreValidatedToo()
    {
        var errs = CreateErrors(WithInit(Container("init", null, Rule("Foo", op: null))));
        Assert.Equal(
        [
            "spec.initContainers[0].restartPolicy: Required value: must specify restartPolicy when restart rules are used",
            "spec.initContainers[0].restartPolicyRules[0].action: Unsupported value: \"Foo\": supported values: \"Restart\", \"RestartAllContainers\"",
            "spec.initContainers[0].restartPolicyRules[0].exitCodes: Required value: must be specified",
        ], errs);
    }

    [Theory]
    [InlineData(new[] { 42, 42, 42 })]
    [InlineData(new[] { int.MinValue, -1, 0, int.MaxValue })]
    [InlineData(new int[0])]
    public void D3_AnyInt32ExitCodesAndDuplicatesAreAccepted(int[] values)
    {
        var rule = new V1ContainerRestartRule { Action = "Restart", ExitCodes = new() { OperatorProperty = "NotIn", Values = values.Select(v => (int?)v).ToList() } };
        Assert.Empty(CreateErrors(WithContainer(Container("app", "OnFailure", rule))));
    }

    [Fact]
    public void IdenticalRulesAreAccepted() =>
        Assert.Empty(CreateErrors(WithContainer(Container("app", "Always", Rule(), Rule(), Rule()))));

    [Theory]
    [InlineData("Always")]
    [InlineData("OnFailure")]
    [InlineData("Never")]
    public void PodPoliciesCombineWithAnyContainerPolicy(string podPolicy)
    {
        foreach (var containerPolicy in new[] { "Always", "OnFailure", "Never" })
        {
            var pod = WithContainer(Container("app", containerPolicy, Rule()));
            pod.Spec.RestartPolicy = podPolicy;
            Assert.Empty(CreateErrors(pod));
        }
    }

    [Theory]
    [InlineData("", "spec.restartPolicy: Required value")]
    [InlineData("Sometimes", "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"")]
    [InlineData("never", "spec.restartPolicy: Unsupported value: \"never\": supported values: \"Always\", \"OnFailure\", \"Never\"")]
    public void PodRestartPolicyValues(string policy, string expected)
    {
        var pod = Valid();
        pod.Spec.RestartPolicy = policy;
        Assert.Equal([expected], CreateErrors(pod));
    }

    [Fact]
    public void GateOffIgnoresRulesThatDefaultingWouldDrop()
    {
        var pod = WithContainer(Container("app", null, Rule("Bogus")));
        Assert.Empty(CreateErrors(pod, AllOff));
        PodDefaults.DropDisabledFields(pod, null, AllOff);
        Assert.Null(pod.Spec.Containers[0].RestartPolicyRules);
    }

    [Fact]
    public void GateOnKeepsRulesWhenDroppingDisabledFields()
    {
        var pod = WithContainer(Container("app", "Never", Rule()));
        PodDefaults.DropDisabledFields(pod, null, FeatureGates.Default);
        Assert.Single(pod.Spec.Containers[0].RestartPolicyRules);
    }

    [Fact]
    public void GateOffKeepsRulesWhenTheOldPodUsesThem()
    {
        var old = WithContainer(Container("app", "Never", Rule()));
        var pod = WithContainer(Container("app", "Never", Rule()));
        PodDefaults.DropDisabledFields(pod, old, AllOff);
        Assert.Single(pod.Spec.Containers[0].RestartPolicyRules);
    }

    [Fact]
    public void UpdateOfAPodAlreadyUsingRulesStaysValidWithGatesOff()
    {
        var old = WithContainer(Container("app", "Never", Rule("RestartAllContainers")));
        var updated = WithContainer(Container("app", "Never", Rule("RestartAllContainers")));
        updated.Spec.Containers[0].Image = "busybox:2";
        Assert.Empty(PodValidator.ValidateUpdate(updated, old, AllOff));
    }

    [Fact]
    public void UpdateOfASidecarWithRulesStaysValidWithRestartAllGateOff()
    {
        var old = WithInit(Container("side", "Always", Rule("Restart")));
        var updated = WithInit(Container("side", "Always", Rule("Restart")));
        Assert.Empty(PodValidator.ValidateUpdate(updated, old, RestartAllOff));
    }

    [Fact]
    public void UpdateOfAPodWithoutRulesGetsTheGateOffErrors()
    {
        var old = Valid();
        var updated = WithContainer(Container("app", "Never"));
        var errs = PodValidator.ValidateUpdate(updated, old, AllOff).Select(e => e.ToString()).ToList();
        Assert.Contains("spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers", errs);
    }

    public static TheoryData<string, bool, bool> InUseCases => new()
    {
        { "containers: [{name: a, image: i, restartPolicy: Never}]", true, false },
        { "containers: [{name: a, image: i}]", false, false },
        { "initContainers: [{name: s, image: i, restartPolicy: Always}]\n  containers: [{name: a, image: i}]", false, false },
        { "initContainers: [{name: s, image: i, restartPolicy: OnFailure}]\n  containers: [{name: a, image: i}]", true, false },
        { "containers: [{name: a, image: i, restartPolicy: Never, restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [1]}}]}]", true, true },
        { "initContainers: [{name: s, image: i, restartPolicy: Always, restartPolicyRules: [{action: Restart, exitCodes: {operator: In, values: [1]}}]}]\n  containers: [{name: a, image: i}]", true, true },
    };

    [Theory]
    [MemberData(nameof(InUseCases))]
    public void OptionsWidenWhenTheOldPodUsesTheFields(string specYaml, bool rulesInUse, bool restartAllInUse)
    {
        var pod = FromYaml($"apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  {specYaml}\n");
        var opts = PodValidationOptions.For(AllOff, pod.Spec);
        Assert.Equal(rulesInUse, opts.AllowContainerRestartPolicyRules);
        Assert.Equal(restartAllInUse, opts.AllowRestartAllContainers);
        Assert.Equal(new PodValidationOptions(true, true), PodValidationOptions.For(FeatureGates.Default, pod.Spec));
    }

    /// <summary>Every combination of gates, container kind and policy: the error set is exactly the expected one.</summary>
    [Theory]
    [MemberData(nameof(Matrix))]
    public void GateAndPolicyMatrix(bool rulesGate, bool restartAllGate, string kind, string? policy, string? action, string[] expected)
    {
        var gates = new FeatureGates(rulesGate, restartAllGate);
        var rules = action is null ? [] : new[] { Rule(action) };
        var c = Container("c", policy, rules);
        var pod = kind == "init" ? WithInit(c) : WithContainer(c);
        if (!rulesGate)
        {
            PodDefaults.DropDisabledFields(pod, null, gates);
        }

        Assert.Equal(expected, CreateErrors(pod, gates));
    }

    public static TheoryData<bool, bool, string, string?, string?, string[]> Matrix()
    {
        var data = new TheoryData<bool, bool, string, string?, string?, string[]>();
        foreach (var rulesGate in new[] { true, false })
        {
            foreach (var restartAllGate in new[] { true, false })
            {
                foreach (var kind in new[] { "regular", "init" })
                {
                    foreach (var policy in new[] { null, "Always", "OnFailure", "Never" })
                    {
                        foreach (var action in new[] { null, "Restart", "RestartAllContainers" })
                        {
                            data.Add(rulesGate, restartAllGate, kind, policy, action, Expected(rulesGate, restartAllGate, kind, policy, action));
                        }
                    }
                }
            }
        }

        return data;
    }

    /// <summary>An independent statement of docs/lifecycle.md §2.3 / §3.1–§3.3 / §D1 / §D3.</summary>
    private static string[] Expected(bool rulesGate, bool restartAllGate, string kind, string? policy, string? action)
    {
        var p = kind == "init" ? "spec.initContainers[0]" : "spec.containers[0]";
        if (!rulesGate)
        {
            // Rules are dropped; only the policy itself is checked.
            return (kind, policy) switch
            {
                (_, null) => [],
                ("regular", _) => [$"{p}.restartPolicy: Forbidden: may not be set for non-init containers"],
                (_, "Always") => [],
                _ => [$"{p}.restartPolicy: Unsupported value: \"{policy}\": supported values: \"Always\""],
            };
        }

        if (action is null)
        {
            return [];
        }

        if (kind == "init" && policy == "Always" && !restartAllGate)
        {
            return [$"{p}.restartPolicyRules: Forbidden: restartPolicyRules are not allowed for init containers with restart policy Always"];
        }

        var errs = new List<string>();
        if (policy is null)
        {
            errs.Add($"{p}.restartPolicy: Required value: must specify restartPolicy when restart rules are used");
        }

        if (action == "RestartAllContainers" && !restartAllGate)
        {
            errs.Add($"{p}.restartPolicyRules[0].action: Unsupported value: \"RestartAllContainers\": supported values: \"Restart\"");
        }

        return [.. errs];
    }
}
