using System.Collections.Concurrent;
using k8s.Models;

namespace Podvisor.Agent.Workers;

/// <summary>The pod workers by UID (kubelet podWorkers.podSyncStatuses): one worker per pod the agent runs or terminates.</summary>
internal sealed class PodWorkers
{
    private readonly ConcurrentDictionary<string, PodWorker> _workers = new();
    private readonly Lock _adding = new();

    public ICollection<PodWorker> All => _workers.Values;

    public bool Contains(string uid) => _workers.ContainsKey(uid);

    /// <summary>
    /// The pod's worker, created by <paramref name="create"/> when there is none. Creates at most one per UID, also under
    /// concurrent calls (a create and a patch racing): a worker starts its loop when constructed, so a second one would
    /// run the pod's containers twice.
    /// </summary>
    public (PodWorker Worker, bool Created) GetOrAdd(V1Pod pod, Func<V1Pod, PodWorker> create)
    {
        var uid = pod.Metadata.Uid;
        if (_workers.TryGetValue(uid, out var known))
        {
            return (known, false);
        }

        lock (_adding)
        {
            if (_workers.TryGetValue(uid, out known))
            {
                return (known, false);
            }

            var worker = create(pod);
            _workers[uid] = worker;
            return (worker, true);
        }
    }

    public PodWorker? Find(string uid) => _workers.TryGetValue(uid, out var worker) ? worker : null;

    public void Remove(PodWorker worker) => _workers.TryRemove(worker.Uid, out _);
}
