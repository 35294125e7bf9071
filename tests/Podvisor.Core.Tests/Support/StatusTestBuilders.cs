using k8s.Models;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Core.Status;

namespace Podvisor.Core.Tests.Support;

/// <summary>Pod specs for status tests: containers, restart rules, probes.</summary>
public static class StatusPods
{
    public static readonly DateTimeOffset T0 = new(2026, 8, 20, 22, 42, 55, TimeSpan.Zero);

    public static V1Container C(string name, string? restartPolicy = null, params V1ContainerRestartRule[] rules) => new()
    {
        Name = name,
        Image = "busybox",
        Command = ["sleep", "3600"],
        RestartPolicy = restartPolicy,
        RestartPolicyRules = rules.Length > 0 ? [.. rules] : null,
    };

    public static V1Container Sidecar(string name, params V1ContainerRestartRule[] rules) => C(name, "Always", rules);

    public static V1ContainerRestartRule RestartAllOn(params int[] codes) => Rule(ContainerRestartRuleActions.RestartAllContainers, codes);

    public static V1ContainerRestartRule RestartOn(params int[] codes) => Rule(ContainerRestartRuleActions.Restart, codes);

    private static V1ContainerRestartRule Rule(string action, int[] codes) => new()
    {
        Action = action,
        ExitCodes = new V1ContainerRestartRuleOnExitCodes { OperatorProperty = ContainerRestartRuleOperators.In, Values = [.. codes] },
    };

    public static V1Probe ExecProbe() => new() { Exec = new V1ExecAction { Command = ["true"] } };

    public static V1Container WithReadiness(this V1Container c)
    {
        c.ReadinessProbe = ExecProbe();
        return c;
    }

    public static V1Container WithStartup(this V1Container c)
    {
        c.StartupProbe = ExecProbe();
        return c;
    }

    public static V1Pod Pod(string? restartPolicy, IEnumerable<V1Container> containers, IEnumerable<V1Container>? init = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "default", Uid = "uid-1", Generation = 1 },
        Spec = new V1PodSpec
        {
            RestartPolicy = restartPolicy,
            Containers = [.. containers],
            InitContainers = init?.ToList() is { Count: > 0 } list ? list : null,
        },
    };

    /// <summary>RS-01: init, sidecar, a regular trigger with RestartAllContainers In [42], and a bystander.</summary>
    public static V1Pod Rs01() => Pod(
        "Never",
        [C("source-container", "Never", RestartAllOn(42)), C("regular")],
        [C("init"), Sidecar("sidecar")]);
}

/// <summary>Builds a <see cref="RuntimePodStatus"/>; every added instance is newer than the ones before it.</summary>
public sealed class StatusRuntimeBuilder
{
    private readonly List<RuntimeContainerStatus> _containers = [];
    private readonly List<RuntimeSandboxStatus> _sandboxes = [];
    private int _tick;

    public static StatusRuntimeBuilder WithSandbox(string ip = "10.88.0.5") => new StatusRuntimeBuilder().Sandbox(true, ip);

    public StatusRuntimeBuilder Sandbox(bool ready, string? ip = "10.88.0.5")
    {
        _sandboxes.Insert(0, new RuntimeSandboxStatus { Id = "sb" + _sandboxes.Count, Ready = ready, Ip = ip, CreatedAt = Next() });
        return this;
    }

    public StatusRuntimeBuilder Running(string name, int restartCount = 0) =>
        Add(name, RuntimeContainerState.Running, restartCount, started: true);

    public StatusRuntimeBuilder Created(string name, int restartCount = 0) => Add(name, RuntimeContainerState.Created, restartCount, started: false);

    public StatusRuntimeBuilder Unknown(string name, int restartCount = 0) => Add(name, RuntimeContainerState.Unknown, restartCount, started: true);

    public StatusRuntimeBuilder Exited(string name, int exitCode, int restartCount = 0, string? reason = null, string? message = null)
    {
        Add(name, RuntimeContainerState.Exited, restartCount, started: true);
        var last = _containers[^1];
        _containers[^1] = last with
        {
            ExitCode = exitCode,
            FinishedAt = last.StartedAt!.Value.AddSeconds(1),
            Reason = reason ?? (exitCode == 0 ? ContainerReasons.Completed : ContainerReasons.Error),
            Message = message,
        };
        return this;
    }

    private StatusRuntimeBuilder Add(string name, RuntimeContainerState state, int restartCount, bool started)
    {
        var created = Next();
        _containers.Add(new RuntimeContainerStatus
        {
            Id = $"{name}-{_containers.Count}",
            Name = name,
            State = state,
            CreatedAt = created,
            StartedAt = started ? created : null,
            RestartCount = restartCount,
            Image = "docker.io/library/busybox:latest",
        });
        return this;
    }

    private DateTimeOffset Next() => StatusPods.T0.AddSeconds(++_tick);

    public RuntimePodStatus Build() => new()
    {
        Uid = "uid-1",
        Sandboxes = [.. _sandboxes],
        Containers = [.. _containers.OrderByDescending(c => c.CreatedAt)],
    };
}

/// <summary>Feeds each generated status back as the old status, as the agent's status manager does.</summary>
public sealed class StatusSequence(V1Pod pod, FeatureGates? gates = null)
{
    private DateTimeOffset _now = StatusPods.T0;

    public V1PodStatus? Current { get; private set; }

    public Dictionary<string, ContainerStartFailure> ReasonCache { get; } = [];

    public IProbeResults Probes { get; set; } = NoProbeResults.Instance;

    public bool PodIsTerminal { get; set; }

    public V1PodStatus Step(RuntimePodStatus runtime, int seconds = 1)
    {
        _now = _now.AddSeconds(seconds);
        Current = PodStatusGenerator.Generate(new StatusInput
        {
            Pod = pod,
            Runtime = runtime,
            OldStatus = Current,
            ReasonCache = new Dictionary<string, ContainerStartFailure>(ReasonCache),
            Probes = Probes,
            Gates = gates ?? FeatureGates.Default,
            PodIsTerminal = PodIsTerminal,
            Now = _now,
            HostIp = "172.18.0.2",
        });
        return Current;
    }

    public V1PodStatus Step(StatusRuntimeBuilder runtime, int seconds = 1) => Step(runtime.Build(), seconds);
}

/// <summary>Lookups on a generated status.</summary>
public static class StatusQueries
{
    public static V1ContainerStatus Container(this V1PodStatus status, string name) =>
        (status.ContainerStatuses ?? []).Concat(status.InitContainerStatuses ?? []).Single(s => s.Name == name);

    public static V1PodCondition Condition(this V1PodStatus status, string type) =>
        (status.Conditions ?? []).Single(c => c.Type == type);

    public static V1PodCondition? FindCondition(this V1PodStatus status, string type) =>
        (status.Conditions ?? []).SingleOrDefault(c => c.Type == type);
}
