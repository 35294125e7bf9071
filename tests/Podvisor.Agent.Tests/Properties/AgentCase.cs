using CsCheck;
using k8s;
using k8s.Models;
using Podvisor.Core;

namespace Podvisor.Agent.Tests.Properties;

/// <summary>One step of a random run: exit a running container with a code, or move the clock.</summary>
/// <param name="Pick">Which running container exits (modulo how many run).</param>
/// <param name="Code">The exit code.</param>
/// <param name="AdvanceSeconds">When set, the step moves the clock instead (e.g. past a backoff).</param>
public sealed record AgentStep(int Pick, int Code, int? AdvanceSeconds)
{
    public override string ToString() => AdvanceSeconds is { } s ? $"advance {s}s" : $"exit #{Pick} with {Code}";
}

/// <summary>A random pod, the agent's gates and a random sequence of steps.</summary>
public sealed record AgentCase(V1Pod Pod, FeatureGates Gates, IReadOnlyList<AgentStep> Steps)
{
    public static readonly int[] ExitCodes = [0, 1, 42, 88, 137, 143];

    /// <summary>A fresh copy of the pod (the harness fills in metadata; shrinking replays a case).</summary>
    public V1Pod NewPod() => KubernetesJson.Deserialize<V1Pod>(KubernetesJson.Serialize(Pod));

    public override string ToString() =>
        $"gates: {Gates}\n{KubernetesYaml.Serialize(Pod)}steps: {string.Join(", ", Steps)}";

    private static readonly Gen<int> GenCode = Gen.Int[0, ExitCodes.Length - 1].Select(i => ExitCodes[i]);

    private static readonly Gen<V1ContainerRestartRule> GenRule = Gen.Select(
        Gen.OneOf("Restart", "RestartAllContainers", "RestartAllContainers"),
        Gen.OneOf("In", "In", "NotIn"),
        GenCode.Array[0, 2],
        (action, op, codes) => new V1ContainerRestartRule
        {
            Action = action,
            ExitCodes = new V1ContainerRestartRuleOnExitCodes { OperatorProperty = op, Values = codes.Distinct().Select(v => (int?)v).ToList() },
        });

    /// <summary>A container with a policy drawn from <paramref name="policies"/> and 0-2 rules; rules force a policy (validation).</summary>
    private static Gen<V1Container> GenContainer(params string?[] policies) => Gen.Select(
        Gen.OneOf(policies),
        GenRule.Array[0, 2],
        (policy, rules) => new V1Container
        {
            Image = "busybox",
            Command = ["sleep", "10000"],
            RestartPolicy = rules.Length > 0 && policy is null ? "Never" : policy,
            RestartPolicyRules = rules.Length > 0 ? rules : null,
        });

    private static V1Container[] Named(V1Container[] containers, string prefix)
    {
        for (var i = 0; i < containers.Length; i++)
        {
            containers[i].Name = $"{prefix}{i}";
        }

        return containers;
    }

    private static List<V1Container> Shuffled(IEnumerable<V1Container> containers, int seed)
    {
        var rng = new Random(seed);
        return [.. containers.OrderBy(_ => rng.Next())];
    }

    /// <summary>0-3 regular init containers and 0-2 sidecars in a random order, 1-3 regular containers.</summary>
    private static readonly Gen<V1Pod> GenPod =
        from init in GenContainer(null, "OnFailure", "Never").Array[0, 3]
        from side in GenContainer("Always").Array[0, 2]
        from regular in GenContainer(null, "Always", "OnFailure", "Never").Array[1, 3]
        from order in Gen.Int[0, 1000]
        from policy in Gen.OneOf<string?>(null, "Always", "OnFailure", "Never")
        let initContainers = Shuffled(Named(init, "init").Concat(Named(side, "sidecar")), order)
        select new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "prop" },
            Spec = new V1PodSpec
            {
                RestartPolicy = policy,
                InitContainers = initContainers.Count > 0 ? initContainers : null,
                Containers = Named(regular, "app"),
            },
        };

    private static readonly Gen<AgentStep> GenStep = Gen.Select(
        Gen.Int[0, 9], Gen.Int[0, 99], GenCode, Gen.Int[5, 320],
        (kind, pick, code, seconds) => new AgentStep(pick, code, kind < 2 ? seconds : null));

    private static readonly Gen<FeatureGates> GenGates = Gen.Select(
        Gen.Int[0, 5], rules => rules switch
        {
            0 => new FeatureGates(ContainerRestartRules: false, RestartAllContainersOnContainerExits: false),
            1 => new FeatureGates(RestartAllContainersOnContainerExits: false),
            _ => FeatureGates.Default,
        });

    public static readonly Gen<AgentCase> Generator = Gen.Select(GenPod, GenGates, GenStep.Array[1, 12], (pod, gates, steps) => new AgentCase(pod, gates, steps));
}
