using k8s.Models;

namespace Podvisor.Core.Status;

/// <summary>
/// Small constructors and copies for API status objects. The generator never mutates an object it was given (the old
/// status belongs to the caller): it copies a status and replaces whole <see cref="V1ContainerState"/> values.
/// </summary>
internal static class StatusObjects
{
    public const string ConditionTrue = "True";
    public const string ConditionFalse = "False";

    /// <summary>metav1.Time is second-precision on the wire; truncating keeps stored statuses stable on round trips.</summary>
    public static DateTime ApiTime(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    public static DateTime? ApiTime(DateTimeOffset? time) => time is { } t ? ApiTime(t) : null;

    /// <summary>A shallow copy: nested objects are shared and must be replaced, never mutated.</summary>
    public static V1ContainerStatus Copy(V1ContainerStatus s) => new()
    {
        Name = s.Name,
        Image = s.Image,
        ImageID = s.ImageID,
        ContainerID = s.ContainerID,
        Ready = s.Ready,
        Started = s.Started,
        RestartCount = s.RestartCount,
        State = s.State,
        LastState = s.LastState,
        VolumeMounts = s.VolumeMounts,
        Resources = s.Resources,
        AllocatedResources = s.AllocatedResources,
        AllocatedResourcesStatus = s.AllocatedResourcesStatus,
        User = s.User,
        StopSignal = s.StopSignal,
    };

    public static V1ContainerState Waiting(string? reason = null, string? message = null) =>
        new() { Waiting = new V1ContainerStateWaiting { Reason = reason, Message = message } };

    public static V1ContainerState Terminated(V1ContainerStateTerminated terminated) => new() { Terminated = terminated };

    /// <summary>Go's zero ContainerState: serialized as <c>{}</c>, as kubelet reports an empty lastState.</summary>
    public static V1ContainerState Empty() => new();

    public static V1ContainerStateTerminated? LastTerminated(V1ContainerStatus s) => s.LastState?.Terminated;

    public static V1ContainerStatus? Find(IEnumerable<V1ContainerStatus>? statuses, string name) =>
        statuses?.FirstOrDefault(s => s.Name == name);

    public static V1PodCondition? FindCondition(V1PodStatus? status, string type) =>
        status?.Conditions?.FirstOrDefault(c => c.Type == type);

    /// <summary>Go's <c>fmt.Sprintf("%s", []string{...})</c>: <c>[a b]</c>.</summary>
    public static string GoList(IEnumerable<string> names) => "[" + string.Join(' ', names) + "]";
}
