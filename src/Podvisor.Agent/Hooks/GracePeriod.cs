using k8s.Models;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;

namespace Podvisor.Agent.Hooks;

/// <summary>
/// Graceful-kill timing, as kuberuntime killContainer computes it (docs/lifecycle.md §10.1): pure functions of the pod, the
/// container, the kill reason and how long the waits took. A kill runs: <see cref="Compute"/>, preStop when
/// <see cref="ShouldRunPreStop"/> (bounded by the grace), <see cref="AfterWait"/> for the preStop time and again for
/// a sidecar's ordering wait (only while grace is left), then StopContainer with <see cref="StopWindow"/>.
/// </summary>
public static class GracePeriod
{
    /// <summary>minimumGracePeriodInSeconds: "always give containers a minimal shutdown window".</summary>
    public const long MinimumSeconds = 2;

    /// <summary>
    /// Mirrors setTerminationGracePeriod then the override: an override (the pod worker's, e.g. the deletion's
    /// grace, or 0 for a RestartAllContainers kill) wins; else the pod's deletionGracePeriodSeconds; else, for a
    /// liveness or startup kill, the probe's terminationGracePeriodSeconds when set; else
    /// spec.terminationGracePeriodSeconds (API default 30).
    /// </summary>
    public static long Compute(V1Pod pod, V1Container container, KillReason reason, long? overrideSeconds = null)
    {
        if (overrideSeconds is { } forced)
        {
            return forced;
        }

        if (pod.Metadata?.DeletionGracePeriodSeconds is { } deletion)
        {
            return deletion;
        }

        var probeGrace = reason switch
        {
            KillReason.LivenessProbe => container.LivenessProbe?.TerminationGracePeriodSeconds,
            KillReason.StartupProbe => container.StartupProbe?.TerminationGracePeriodSeconds,
            KillReason.SpecChanged or KillReason.Unknown => null,
            _ => throw new System.Diagnostics.UnreachableException(),
        };
        return probeGrace ?? pod.Spec.TerminationGracePeriodSeconds();
    }

    /// <summary>preStop runs only on a graceful kill with grace left (never on a grace-0 kill such as restart-all).</summary>
    public static bool ShouldRunPreStop(V1Container container, long graceSeconds) =>
        container.Lifecycle?.PreStop is not null && graceSeconds > 0;

    /// <summary>The grace left after a wait (preStop or sidecar ordering); like upstream the wait is counted in whole seconds, truncated.</summary>
    public static long AfterWait(long graceSeconds, TimeSpan waited) => graceSeconds - (long)Math.Floor(waited.TotalSeconds);

    /// <summary>What StopContainer gets: the grace left, never under the 2 s minimum.</summary>
    public static TimeSpan StopWindow(long graceSeconds) => Durations.TimerSeconds(Math.Max(graceSeconds, MinimumSeconds));
}
