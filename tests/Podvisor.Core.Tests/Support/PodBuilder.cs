using k8s.Models;

namespace Podvisor.Core.Tests.Support;

/// <summary>
/// Small fluent builder for test pods: <c>new PodBuilder().Never().Init("a").Sidecar("s").Container("app").Build()</c>.
/// Defaults: name <c>p</c>, namespace <c>ns</c>, uid <c>uid</c>, restartPolicy unset (Always), command <c>sleep 3600</c>.
/// </summary>
public sealed class PodBuilder
{
    private readonly V1Pod _pod;

    public PodBuilder(string name = "p", string ns = "ns", string uid = "uid")
    {
        _pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Uid = uid },
            Spec = new V1PodSpec { Containers = [] },
        };
    }

    public PodBuilder RestartPolicy(string? policy)
    {
        _pod.Spec.RestartPolicy = policy;
        return this;
    }

    public PodBuilder Always() => RestartPolicy("Always");

    public PodBuilder OnFailure() => RestartPolicy("OnFailure");

    public PodBuilder Never() => RestartPolicy("Never");

    /// <summary>A regular init container (restartPolicy unset unless given).</summary>
    public PodBuilder Init(string name, string? policy = null, params V1ContainerRestartRule[] rules) =>
        AddInit(Containers.New(name, policy, rules));

    /// <summary>A sidecar: an init container with restartPolicy Always.</summary>
    public PodBuilder Sidecar(string name, params V1ContainerRestartRule[] rules) =>
        AddInit(Containers.New(name, "Always", rules));

    public PodBuilder Container(string name, string? policy = null, params V1ContainerRestartRule[] rules) =>
        AddContainer(Containers.New(name, policy, rules));

    public PodBuilder AddInit(V1Container container)
    {
        _pod.Spec.InitContainers ??= [];
        _pod.Spec.InitContainers.Add(container);
        return this;
    }

    public PodBuilder AddContainer(V1Container container)
    {
        _pod.Spec.Containers.Add(container);
        return this;
    }

    /// <summary>Changes any container (init or regular) by name, e.g. to add a probe.</summary>
    public PodBuilder With(string name, Action<V1Container> change)
    {
        change((_pod.Spec.InitContainers ?? []).Concat(_pod.Spec.Containers).Single(c => c.Name == name));
        return this;
    }

    public PodBuilder Deleted(DateTime at)
    {
        _pod.Metadata.DeletionTimestamp = at;
        return this;
    }

    public V1Pod Build() => _pod;
}

/// <summary>Container and restart-rule factories.</summary>
public static class Containers
{
    public static V1Container New(string name, string? policy = null, params V1ContainerRestartRule[] rules) => new()
    {
        Name = name,
        Image = "busybox",
        Command = ["sleep", "3600"],
        RestartPolicy = policy,
        RestartPolicyRules = rules.Length == 0 ? null : [.. rules],
    };

    public static V1Probe ExecProbe() => new() { Exec = new V1ExecAction { Command = ["true"] } };

    public static V1ContainerRestartRule Restart(string op, params int[] codes) => Rule("Restart", op, codes);

    public static V1ContainerRestartRule RestartAll(string op, params int[] codes) => Rule("RestartAllContainers", op, codes);

    public static V1ContainerRestartRule Rule(string action, string op, params int[] codes) => new()
    {
        Action = action,
        ExitCodes = new V1ContainerRestartRuleOnExitCodes { OperatorProperty = op, Values = [.. codes] },
    };
}
