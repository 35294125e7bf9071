using k8s.Models;
using Podvisor.Core.Lifecycle;

namespace Podvisor.Agent.Probes;

/// <summary>
/// A probe's timing with the apiserver defaults applied (SetDefaults_Probe: timeout 1 s, period 10 s, success 1,
/// failure 3), so manifests that never went through an apiserver behave the same. The timeout is used as a timer, so it
/// is clamped (<see cref="Durations"/>); delays and periods are due times the manager clamps when it arms.
/// </summary>
public sealed record ProbeSpec(TimeSpan InitialDelay, TimeSpan Period, TimeSpan Timeout, int SuccessThreshold, int FailureThreshold)
{
    public static ProbeSpec From(V1Probe probe) => new(
        TimeSpan.FromSeconds(Math.Max(probe.InitialDelaySeconds ?? 0, 0)),
        TimeSpan.FromSeconds(Positive(probe.PeriodSeconds, 10)),
        Durations.TimerSeconds(Positive(probe.TimeoutSeconds, 1)),
        Positive(probe.SuccessThreshold, 1),
        Positive(probe.FailureThreshold, 3));

    private static int Positive(int? value, int fallback) => value is > 0 ? value.Value : fallback;
}

/// <summary>Probe-type helpers shared by the manager and its tests.</summary>
public static class ProbeTypes
{
    /// <summary>Every probe type, in the order upstream prober_manager.AddPod creates workers.</summary>
    public static IReadOnlyList<ProbeType> All { get; } = [ProbeType.Startup, ProbeType.Readiness, ProbeType.Liveness];

    /// <summary>The container's probe of this type, or null.</summary>
    public static V1Probe? ProbeOf(this V1Container container, ProbeType type) => type switch
    {
        ProbeType.Liveness => container.LivenessProbe,
        ProbeType.Readiness => container.ReadinessProbe,
        ProbeType.Startup => container.StartupProbe,
        _ => throw new System.Diagnostics.UnreachableException(),
    };

    /// <summary>Mirrors prober_manager probeType.String(): the word that starts every Unhealthy message.</summary>
    public static string Label(this ProbeType type) => type switch
    {
        ProbeType.Liveness => "Liveness",
        ProbeType.Readiness => "Readiness",
        ProbeType.Startup => "Startup",
        _ => throw new System.Diagnostics.UnreachableException(),
    };

    /// <summary>Mirrors worker.go initialValue: readiness starts Failure, liveness Success, startup Unknown.</summary>
    public static ProbeResult InitialResult(this ProbeType type) => type switch
    {
        ProbeType.Liveness => ProbeResult.Success,
        ProbeType.Readiness => ProbeResult.Failure,
        ProbeType.Startup => ProbeResult.Unknown,
        _ => throw new System.Diagnostics.UnreachableException(),
    };
}
