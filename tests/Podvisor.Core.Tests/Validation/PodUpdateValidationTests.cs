using k8s.Models;
using Podvisor.Core.Validation;
using static Podvisor.Core.Tests.Validation.TestPods;

namespace Podvisor.Core.Tests.Validation;

/// <summary>ValidatePodUpdate: identity is immutable and only upstream's updatable spec fields may change.</summary>
public class PodUpdateValidationTests
{
    private static List<string> UpdateErrors(Action<V1Pod> change, Action<V1Pod>? setupOld = null)
    {
        var old = Valid(setupOld);
        var updated = Valid(setupOld);
        change(updated);
        return PodValidator.ValidateUpdate(updated, old, FeatureGates.Default).Select(e => e.ToString()).ToList();
    }

    private static readonly string SpecForbiddenPrefix =
        "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n";

    [Fact]
    public void NoChangeIsValid() => Assert.Empty(UpdateErrors(_ => { }));

    [Fact]
    public void ImageChangeIsAllowed() => Assert.Empty(UpdateErrors(p => p.Spec.Containers[0].Image = "busybox:1.37"));

    [Fact]
    public void InitImageChangeIsAllowed() =>
        Assert.Empty(UpdateErrors(p => p.Spec.InitContainers[0].Image = "alpine", old => old.Spec.InitContainers = [Container("init")]));

    [Fact]
    public void LabelsAndAnnotationsMayChange() =>
        Assert.Empty(UpdateErrors(p => { p.Metadata.Labels = new Dictionary<string, string> { ["a"] = "b" }; p.Metadata.Annotations = new Dictionary<string, string> { ["x"] = "y" }; }));

    [Fact]
    public void EmptyImageIsRequired() =>
        Assert.Contains("spec.containers[0].image: Required value", UpdateErrors(p => p.Spec.Containers[0].Image = ""));

    [Theory]
    [InlineData("name", "metadata.name: Invalid value: \"other\": field is immutable")]
    [InlineData("namespace", "metadata.namespace: Invalid value: \"other\": field is immutable")]
    [InlineData("uid", "metadata.uid: Invalid value: \"other\": field is immutable")]
    public void IdentityIsImmutable(string field, string expected)
    {
        var errs = UpdateErrors(p =>
        {
            switch (field)
            {
                case "name": p.Metadata.Name = "other"; break;
                case "namespace": p.Metadata.NamespaceProperty = "other"; break;
                default: p.Metadata.Uid = "other"; break;
            }
        });
        Assert.Contains(expected, errs);
    }

    [Fact]
    public void CommandChangeIsForbiddenWithADiff()
    {
        var errs = UpdateErrors(p => p.Spec.Containers[0].Command = ["sleep", "2"]);
        var error = Assert.Single(errs);
        Assert.StartsWith(SpecForbiddenPrefix, error);
        Assert.Contains("spec.containers[0].command[1]: \"1\" -> \"2\"", error);
    }

    [Fact]
    public void RestartPolicyChangeIsForbidden()
    {
        var errs = UpdateErrors(p => p.Spec.RestartPolicy = "Never");
        Assert.StartsWith(SpecForbiddenPrefix, Assert.Single(errs));
        Assert.Contains("spec.restartPolicy: \"Always\" -> \"Never\"", errs[0]);
    }

    [Fact]
    public void RestartRulesChangeIsForbidden()
    {
        var errs = UpdateErrors(p => p.Spec.Containers[0].RestartPolicyRules = [Rule("Restart", "In", 43)],
            old => { old.Spec.Containers[0].RestartPolicy = "Never"; old.Spec.Containers[0].RestartPolicyRules = [Rule("Restart", "In", 42)]; });
        Assert.StartsWith(SpecForbiddenPrefix, Assert.Single(errs));
    }

    [Fact]
    public void AddingAContainerIsForbiddenAndStops()
    {
        var errs = UpdateErrors(p => p.Spec.Containers.Add(Container("two")));
        Assert.Equal(["spec.containers: Forbidden: pod updates may not add or remove containers"], errs);
    }

    [Fact]
    public void RemovingAnInitContainerIsForbidden()
    {
        var errs = UpdateErrors(p => p.Spec.InitContainers = [], old => old.Spec.InitContainers = [Container("init")]);
        Assert.Equal(["spec.initContainers: Forbidden: pod updates may not add or remove containers"], errs);
    }

    [Theory]
    [InlineData(null, 30L, true)]
    [InlineData(60L, 30L, true)]
    [InlineData(60L, 60L, true)]
    [InlineData(30L, 60L, false)]
    [InlineData(null, null, true)]
    public void ActiveDeadlineSecondsMayBeSetOrLowered(long? before, long? after, bool valid)
    {
        var errs = UpdateErrors(p => p.Spec.ActiveDeadlineSeconds = after, old => old.Spec.ActiveDeadlineSeconds = before);
        if (valid)
        {
            Assert.Empty(errs);
        }
        else
        {
            Assert.Equal([$"spec.activeDeadlineSeconds: Invalid value: {after}: must be less than or equal to previous value"], errs);
        }
    }

    [Fact]
    public void ActiveDeadlineSecondsMayNotBeRemoved() =>
        Assert.Contains("spec.activeDeadlineSeconds: Invalid value: null: must not update from a positive integer to nil value",
            UpdateErrors(p => p.Spec.ActiveDeadlineSeconds = null, old => old.Spec.ActiveDeadlineSeconds = 30));

    [Fact]
    public void ActiveDeadlineSecondsNegativeIsOutOfRange() =>
        Assert.Contains("spec.activeDeadlineSeconds: Invalid value: -1: must be between 0 and 2147483647, inclusive",
            UpdateErrors(p => p.Spec.ActiveDeadlineSeconds = -1));

    [Fact]
    public void TolerationsMayBeAdded()
    {
        var t = new V1Toleration { Key = "k", OperatorProperty = "Exists", Effect = "NoSchedule" };
        Assert.Empty(UpdateErrors(p => p.Spec.Tolerations = [t, new V1Toleration { Key = "k2", OperatorProperty = "Exists" }], old => old.Spec.Tolerations = [t]));
    }

    [Fact]
    public void TolerationSecondsMayChange()
    {
        var t = new V1Toleration { Key = "k", OperatorProperty = "Exists", Effect = "NoExecute", TolerationSeconds = 10 };
        var changed = new V1Toleration { Key = "k", OperatorProperty = "Exists", Effect = "NoExecute", TolerationSeconds = 5 };
        Assert.Empty(UpdateErrors(p => p.Spec.Tolerations = [changed], old => old.Spec.Tolerations = [t]));
    }

    [Fact]
    public void TolerationsMayNotBeRemoved()
    {
        var t = new V1Toleration { Key = "k", OperatorProperty = "Exists" };
        Assert.Equal(["spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds"],
            UpdateErrors(p => p.Spec.Tolerations = [], old => old.Spec.Tolerations = [t]));
    }

    [Theory]
    [InlineData(-5L, 1L, true)]
    [InlineData(-5L, 2L, false)]
    [InlineData(30L, 1L, false)]
    [InlineData(30L, 30L, true)]
    public void GracePeriodMayGoFromNegativeToOne(long before, long after, bool valid)
    {
        var errs = UpdateErrors(p => p.Spec.TerminationGracePeriodSeconds = after, old => old.Spec.TerminationGracePeriodSeconds = before);
        Assert.Equal(valid, errs.Count == 0);
    }

    [Fact]
    public void NullAndEmptyListsAreSemanticallyEqual()
    {
        Assert.Empty(UpdateErrors(p => p.Spec.Volumes = [], old => old.Spec.Volumes = null));
        Assert.Empty(UpdateErrors(p => p.Spec.NodeSelector = new Dictionary<string, string>(), old => old.Spec.NodeSelector = null));
    }

    [Fact]
    public void QuantitiesCompareByValue() =>
        Assert.Empty(UpdateErrors(
            p => p.Spec.Containers[0].Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1000m") } },
            old => old.Spec.Containers[0].Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1") } }));

    [Fact]
    public void TheNewPodIsValidatedToo()
    {
        var errs = UpdateErrors(p => p.Spec.Containers[0].Image = "bad image ");
        Assert.Contains("spec.containers[0].image: Invalid value: \"bad image \": must not have leading or trailing whitespace", errs);
    }

    [Fact]
    public void SemanticDiffListsEveryChangedPath()
    {
        var a = new V1Container { Name = "a", Args = ["x"], Ports = [new V1ContainerPort { ContainerPort = 80 }] };
        var b = new V1Container { Name = "b", Args = ["x", "y"], Ports = [new V1ContainerPort { ContainerPort = 81 }] };
        Assert.Equal(
            ["c.args: 1 items -> 2 items", "c.name: \"a\" -> \"b\"", "c.ports[0].containerPort: 80 -> 81"],
            SemanticDiff.Compare(a, b, "c").Order(StringComparer.Ordinal).ToList());
    }
}
