using Podvisor.Core.Model;
using Podvisor.Runtime;

namespace Podvisor.Agent.Gc;

/// <summary>
/// The kubelet's container GC at its per-pod limit MaxPerPodContainer = 1 (docs/lifecycle.md §D11), run where the kubelet
/// prunes (pruneInitContainersBeforeStart, and after a start) instead of on a timer: the newest exited instance of a
/// container name is kept (its lastState), older ones and their logs go.
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

    /// <summary>Keeps the current and the previous instance's log; older ones go, rotated parts too.</summary>
    public static void PruneLogs(string currentLogPath, int restartCount)
    {
        for (var n = restartCount - 2; n >= 0; n--)
        {
            var old = Path.Combine(Path.GetDirectoryName(currentLogPath)!, $"{n}.log");
            if (!File.Exists(old))
            {
                break;
            }

            foreach (var rotated in ContainerLogRotation.Rotated(old))
            {
                File.Delete(rotated);
            }

            File.Delete(old);
        }
    }
}
