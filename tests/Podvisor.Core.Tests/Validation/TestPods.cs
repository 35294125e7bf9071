using k8s;
using k8s.Models;
using Podvisor.Core.Validation;

namespace Podvisor.Core.Tests.Validation;

/// <summary>Builders for validation tests: pods from YAML (via the library loader), defaulted like the apiserver.</summary>
internal static class TestPods
{
    public const string Base = """
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: default}
        spec:
          containers:
          - {name: app, image: busybox, command: [sleep, "1"]}
        """;

    /// <summary>A defaulted pod parsed from <paramref name="yaml"/>.</summary>
    public static V1Pod FromYaml(string yaml)
    {
        var pod = KubernetesYaml.Deserialize<V1Pod>(yaml);
        PodDefaults.Apply(pod);
        return pod;
    }

    /// <summary>A valid defaulted pod changed by <paramref name="mutate"/>.</summary>
    public static V1Pod Valid(Action<V1Pod>? mutate = null)
    {
        var pod = FromYaml(Base);
        mutate?.Invoke(pod);
        return pod;
    }

    public static V1Container Container(string name, string? policy = null, params V1ContainerRestartRule[] rules) => new()
    {
        Name = name,
        Image = "busybox",
        Command = ["sleep", "1"],
        RestartPolicy = policy,
        RestartPolicyRules = rules.Length == 0 ? null : rules,
        TerminationMessagePath = "/dev/termination-log",
        TerminationMessagePolicy = "File",
        ImagePullPolicy = "IfNotPresent",
    };

    public static V1ContainerRestartRule Rule(string action = "Restart", string? op = "In", params int[] values) => new()
    {
        Action = action,
        ExitCodes = op is null ? null : new V1ContainerRestartRuleOnExitCodes { OperatorProperty = op, Values = values.Length == 0 ? [42] : values.Select(v => (int?)v).ToList() },
    };

    /// <summary>The rendered create errors.</summary>
    public static List<string> CreateErrors(V1Pod pod, FeatureGates? gates = null) =>
        PodValidator.ValidateCreate(pod, gates ?? FeatureGates.Default).Select(e => e.ToString()).ToList();

    public static readonly FeatureGates AllOff = new(ContainerRestartRules: false, RestartAllContainersOnContainerExits: false);
}
