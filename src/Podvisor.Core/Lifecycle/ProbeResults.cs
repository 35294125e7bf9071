namespace Podvisor.Core.Lifecycle;

/// <summary>Prober result (pkg/kubelet/prober/results): Unknown until the first probe finishes.</summary>
public enum ProbeResult
{
    Unknown,
    Success,
    Failure,
}

/// <summary>Probe kinds.</summary>
public enum ProbeType
{
    Liveness,
    Readiness,
    Startup,
}

/// <summary>
/// Latest probe results per container instance (keyed by runtime container id), as the kubelet's results managers.
/// A container without a configured probe is reported as <see cref="ProbeResult.Unknown"/> here; callers apply the
/// "no probe" defaults (started/ready once running).
/// </summary>
public interface IProbeResults
{
    ProbeResult Get(ProbeType type, string containerId);
}

/// <summary>No probes have results: what a pod without probes, or a test without a prober, sees.</summary>
public sealed class NoProbeResults : IProbeResults
{
    public static NoProbeResults Instance { get; } = new();

    public ProbeResult Get(ProbeType type, string containerId) => ProbeResult.Unknown;
}
