using k8s.Models;

namespace Podvisor.Core.Lifecycle;

/// <summary>
/// Mirrors the kubelet's activeDeadlineHandler (pkg/kubelet/active_deadline.go): a pod whose
/// <c>spec.activeDeadlineSeconds</c> have passed since <c>status.startTime</c> is failed with reason
/// <c>DeadlineExceeded</c> (generateAPIPodStatus overrides the phase) and then terminated (docs/lifecycle.md §7).
/// </summary>
public static class ActiveDeadline
{
    public const string Reason = "DeadlineExceeded";

    public const string Message = "Pod was active on the node longer than the specified deadline";

    /// <summary>When the deadline passes; null without a deadline or a start time.</summary>
    public static DateTimeOffset? At(V1PodSpec spec, V1PodStatus? status) =>
        spec.ActiveDeadlineSeconds is { } seconds && status?.StartTime is { } start
            ? new DateTimeOffset(DateTime.SpecifyKind(start, DateTimeKind.Utc)).AddSeconds(seconds)
            : null;

    /// <summary>pastActiveDeadline: the time on the node is at least the deadline.</summary>
    public static bool IsPast(V1PodSpec spec, V1PodStatus? status, DateTimeOffset now) => At(spec, status) is { } at && now >= at;
}
