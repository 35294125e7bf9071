using Podvisor.Core.Model;
using Podvisor.Runtime;

namespace Podvisor.Agent.Gc;

/// <summary>
/// The kubelet's container GC at its per-pod limit MaxPerPodContainer = 1 (docs/lifecycle.md §D11), run where the kubelet
/// prunes (pruneInitContainersBeforeStart, and after a start) instead of on a timer: the newest exited instance of a
/// container name is kept (its lastState), older ones go (their logs: <see cref="Logs.ContainerLogManager.PruneOldInstances"/>).
/// </summary>
internal sealed class ContainerGc(IContainerRuntime runtime)
{
    /// <summary>
    /// Removes every exited instance of <paramref name="name"/> in <paramref name="observed"/> but the newest; an
    /// instance in <paramref name="stopped"/> (stopped since the snapshot was taken) counts as exited.
    /// </summary>
    public async Task PruneExitedInstancesAsync(RuntimePodStatus observed, IReadOnlySet<string> stopped, string name, CancellationToken ct)
    {
        var exited = observed.InstancesOf(name)
            .Where(c => c.State is RuntimeContainerState.Exited or RuntimeContainerState.Unknown || stopped.Contains(c.Id))
            .Skip(1)
            .ToList();
        foreach (var c in exited)
        {
            await runtime.RemoveContainerAsync(c.Id, ct);
        }
    }
}
