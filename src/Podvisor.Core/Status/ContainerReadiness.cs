using k8s.Models;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;

namespace Podvisor.Core.Status;

/// <summary>
/// Mirrors prober manager UpdatePodStatus (pkg/kubelet/prober/prober_manager.go, docs/lifecycle.md §8): sets <c>started</c> and
/// <c>ready</c> on regular and init container statuses from the probe results. Probe results are keyed by the runtime
/// container id (the part of <c>containerID</c> after <c>podvisor://</c>).
/// </summary>
public static class ContainerReadiness
{
    /// <summary>
    /// Regular containers and sidecars: started = running and (startupProbe Success, or no startupProbe); ready =
    /// started, running and (readinessProbe Success, or no readinessProbe). A regular init container that exited 0 is
    /// ready. A container that has not started keeps its previous <c>ready</c> value.
    /// </summary>
    public static void Apply(V1PodSpec spec, IList<V1ContainerStatus> statuses, bool isInit, IProbeResults probes)
    {
        var containers = isInit ? spec.InitContainersOrEmpty() : spec.ContainersOrEmpty();
        foreach (var status in statuses)
        {
            var container = containers.FirstOrDefault(c => c.Name == status.Name);
            if (container is null)
            {
                continue;
            }

            var started = IsStarted(container, status, probes);
            status.Started = started;
            if (isInit && !container.IsSidecar())
            {
                if (status.State?.Terminated is { ExitCode: 0 })
                {
                    status.Ready = true;
                }

                continue;
            }

            if (started)
            {
                status.Ready = IsReady(container, status, probes);
            }
        }
    }

    private static bool IsStarted(V1Container container, V1ContainerStatus status, IProbeResults probes) =>
        status.State?.Running is not null
        && probes.Get(ProbeType.Startup, RuntimeId(status)) switch
        {
            ProbeResult.Success => true,
            ProbeResult.Failure => false,
            // No result yet: started only when there is no startup probe to wait for.
            ProbeResult.Unknown => container.StartupProbe is null,
            _ => throw new System.Diagnostics.UnreachableException(),
        };

    private static bool IsReady(V1Container container, V1ContainerStatus status, IProbeResults probes) =>
        status.State?.Running is not null
        && (probes.Get(ProbeType.Readiness, RuntimeId(status)) == ProbeResult.Success || container.ReadinessProbe is null);

    /// <summary>Mirrors kubecontainer.ParseContainerID: the id after <c>type://</c>.</summary>
    public static string RuntimeId(V1ContainerStatus status)
    {
        var id = status.ContainerID ?? "";
        var separator = id.IndexOf("://", StringComparison.Ordinal);
        return separator < 0 ? id : id[(separator + 3)..];
    }
}
