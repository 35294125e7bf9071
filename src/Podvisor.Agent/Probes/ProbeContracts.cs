using k8s.Models;
using Podvisor.Core.Lifecycle;

namespace Podvisor.Agent.Probes;

/// <summary>What one probe attempt targets: the pod, the container spec, the runtime container id and the pod IP.</summary>
/// <param name="ContainerId">Runtime container id (<c>RuntimeContainerStatus.Id</c>), used for exec.</param>
/// <param name="PodIp">The sandbox IP. Null or empty (host network without a sandbox IP) probes loopback, which is
/// where Go's dialer goes for an empty host.</param>
public sealed record ProbeContext(V1Pod Pod, V1Container Container, string ContainerId, string? PodIp)
{
    /// <summary>The host httpGet, tcpSocket and grpc probes use when the handler names none.</summary>
    public string TargetHost => string.IsNullOrEmpty(PodIp) ? "127.0.0.1" : PodIp;
}

/// <summary>Mirrors pkg/probe Result, with the prober's error path as its own kind.</summary>
public enum ProbeOutcomeKind
{
    Success,

    /// <summary>Counts as Success; the kubelet records a <c>ProbeWarning</c> event (e.g. a terminated redirect).</summary>
    Warning,
    Failure,

    /// <summary>The probe could not run (bad port, exec error): retried up to 3 times, then the result is thrown away.</summary>
    Error,
}

/// <summary>The outcome of one probe attempt and the text upstream puts in its event.</summary>
public sealed record ProbeOutcome(ProbeOutcomeKind Kind, string Output)
{
    public static ProbeOutcome Success(string output = "") => new(ProbeOutcomeKind.Success, output);

    public static ProbeOutcome Warning(string output) => new(ProbeOutcomeKind.Warning, output);

    public static ProbeOutcome Failure(string output) => new(ProbeOutcomeKind.Failure, output);

    public static ProbeOutcome Error(string error) => new(ProbeOutcomeKind.Error, error);
}

/// <summary>Runs one probe attempt (pkg/probe exec, http, tcp, grpc). Expected failures are outcomes, never exceptions.</summary>
public interface IProbeExecutor
{
    ValueTask<ProbeOutcome> ProbeAsync(V1Probe probe, ProbeContext context, CancellationToken ct);
}

/// <summary>Where the prober reports. Calls arrive on timer threads, never under a ProbeManager lock; they must not block.</summary>
public interface IProbeEventSink
{
    /// <summary>A published probe result of the pod changed: wake its pod worker.</summary>
    void ProbeResultChanged(string podUid);

    /// <summary>A probe attempt began; <see cref="AttemptFinished"/> follows once its result (and any wake) is out.</summary>
    void AttemptStarted()
    {
    }

    /// <summary>The attempt announced by <see cref="AttemptStarted"/> is over.</summary>
    void AttemptFinished()
    {
    }

    /// <summary>Record the Warning <c>Unhealthy</c> event; <paramref name="message"/> is upstream's full text.</summary>
    void Unhealthy(V1Pod pod, string containerName, ProbeType type, string message);

    /// <summary>Record the Warning <c>ProbeWarning</c> event (e.g. <c>Readiness probe warning: Probe terminated redirects, ...</c>).</summary>
    void ProbeWarning(V1Pod pod, string containerName, ProbeType type, string message)
    {
    }
}
