using k8s.Models;

namespace Podvisor.E2E.Tests.Support;

/// <summary>Read-only questions about a pod status, shared by the in-process and the CLI tests.</summary>
public static class PodQueries
{
    /// <summary>The status of an init, sidecar or regular container, or null when it has none.</summary>
    public static V1ContainerStatus? Of(this V1PodStatus status, string name) =>
        (status.InitContainerStatuses ?? []).Concat(status.ContainerStatuses ?? []).FirstOrDefault(c => c.Name == name);

    /// <summary>The status of a container that must have one.</summary>
    public static V1ContainerStatus Container(this V1PodStatus status, string name) =>
        status.Of(name) ?? throw new InvalidOperationException($"no status for container {name}");

    public static IEnumerable<V1ContainerStatus> AllContainers(this V1PodStatus status) =>
        (status.InitContainerStatuses ?? []).Concat(status.ContainerStatuses ?? []);

    public static bool IsRunning(this V1PodStatus status, string name) => status.Of(name)?.State?.Running is not null;

    public static int RestartCount(this V1PodStatus status, string name) => status.Of(name)?.RestartCount ?? 0;

    public static V1PodCondition? Condition(this V1PodStatus status, string type) =>
        status.Conditions?.FirstOrDefault(c => c.Type == type);

    public static bool ConditionIs(this V1PodStatus status, string type, string value) => status.Condition(type)?.Status == value;

    /// <summary>A one-line summary for failure messages: phase, conditions and every container's state.</summary>
    public static string Describe(this V1PodStatus? status) => status is null
        ? "(no status)"
        : $"phase {status.Phase}; conditions [{string.Join(", ", (status.Conditions ?? []).Select(c => $"{c.Type}={c.Status}{(c.Reason is null ? "" : "/" + c.Reason)}"))}]; "
          + string.Join("; ", status.AllContainers().Select(c => $"{c.Name}: {Describe(c.State)} restarts {c.RestartCount}"));

    public static string Describe(V1ContainerState? state) => state switch
    {
        { Running: not null } => "Running",
        { Terminated: { } t } => $"Terminated {t.Reason} exit {t.ExitCode}",
        { Waiting: { } w } => $"Waiting {w.Reason}",
        _ => "none",
    };

    /// <summary>The container an event is about (from <c>spec.containers{name}</c>), or null for pod events.</summary>
    public static string? ContainerName(this Corev1Event e) =>
        e.InvolvedObject.FieldPath is { } path && path.IndexOf('{', StringComparison.Ordinal) is var open and >= 0
            ? path[(open + 1)..^1]
            : null;
}
