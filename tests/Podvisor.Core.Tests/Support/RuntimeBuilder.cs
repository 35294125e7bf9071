using k8s.Models;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;

namespace Podvisor.Core.Tests.Support;

/// <summary>
/// Fluent builder for a <see cref="RuntimePodStatus"/> of a given pod. Instances added later are newer; ids are
/// <c>NAME-N</c> (N counts the instances of that name from 1) and the hash matches the pod's current container spec.
/// By default there is one ready sandbox <c>sb</c> (attempt 0). Times count from <see cref="T0"/>, one second apart.
/// </summary>
public sealed class RuntimeBuilder(V1Pod pod)
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly List<RuntimeContainerStatus> _containers = [];
    private readonly List<RuntimeSandboxStatus> _sandboxes = [new() { Id = "sb", Ready = true, CreatedAt = T0 }];

    public RuntimeBuilder NoSandbox()
    {
        _sandboxes.Clear();
        return this;
    }

    /// <summary>Adds a sandbox newer than the existing ones.</summary>
    public RuntimeBuilder Sandbox(bool ready, uint attempt = 0, string? id = null)
    {
        _sandboxes.Insert(0, new RuntimeSandboxStatus { Id = id ?? $"sb-{attempt}", Ready = ready, Attempt = attempt, CreatedAt = T0.AddSeconds(_sandboxes.Count) });
        return this;
    }

    public RuntimeBuilder Running(string name) => Add(name, RuntimeContainerState.Running);

    public RuntimeBuilder Created(string name) => Add(name, RuntimeContainerState.Created);

    public RuntimeBuilder Unknown(string name) => Add(name, RuntimeContainerState.Unknown);

    public RuntimeBuilder Exited(string name, int exitCode = 0, DateTimeOffset? finishedAt = null, string? reason = null) =>
        Add(name, RuntimeContainerState.Exited, exitCode, finishedAt, reason);

    /// <summary>Adds an instance whose hash no longer matches the spec (the spec changed since it was created).</summary>
    public RuntimeBuilder RunningWithOldSpec(string name) => Add(name, RuntimeContainerState.Running, hash: "old-hash");

    public RuntimeBuilder Add(
        string name, RuntimeContainerState state, int exitCode = 0, DateTimeOffset? finishedAt = null, string? reason = null, string? hash = null)
    {
        var createdAt = T0.AddSeconds(_containers.Count + 1);
        var spec = pod.Spec.FindContainer(name);
        _containers.Add(new RuntimeContainerStatus
        {
            Id = $"{name}-{_containers.Count(c => c.Name == name) + 1}",
            Name = name,
            State = state,
            CreatedAt = createdAt,
            StartedAt = state == RuntimeContainerState.Created ? null : createdAt,
            FinishedAt = state == RuntimeContainerState.Exited ? finishedAt ?? createdAt : null,
            ExitCode = exitCode,
            Reason = reason ?? (state == RuntimeContainerState.Exited ? (exitCode == 0 ? "Completed" : "Error") : null),
            Hash = hash ?? (spec is null ? "" : ContainerHash.Compute(spec)),
        });
        return this;
    }

    public RuntimePodStatus Build() => new()
    {
        Uid = pod.Metadata.Uid,
        Sandboxes = [.. _sandboxes],
        Containers = [.. _containers.OrderByDescending(c => c.CreatedAt)],
    };
}

/// <summary>Probe results set by hand, keyed by runtime container id.</summary>
public sealed class FakeProbeResults : IProbeResults
{
    private readonly Dictionary<(ProbeType, string), ProbeResult> _results = [];

    public FakeProbeResults Set(ProbeType type, string containerId, ProbeResult result)
    {
        _results[(type, containerId)] = result;
        return this;
    }

    public ProbeResult Get(ProbeType type, string containerId) =>
        _results.TryGetValue((type, containerId), out var result) ? result : ProbeResult.Unknown;
}

/// <summary>API pod statuses for planner and status tests.</summary>
public static class ApiStatuses
{
    /// <summary>A status whose AllContainersRestarting condition is True (a restart-all cycle is in progress).</summary>
    public static V1PodStatus Restarting() => new()
    {
        Phase = "Running",
        Conditions = [new V1PodCondition { Type = PodConditions.AllContainersRestarting, Status = "True" }],
    };
}
