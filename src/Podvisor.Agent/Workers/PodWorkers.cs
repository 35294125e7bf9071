using System.Collections.Concurrent;
using k8s.Models;

namespace Podvisor.Agent.Workers;

/// <summary>The pod workers by UID (kubelet podWorkers.podSyncStatuses): one worker per pod the agent runs or terminates.</summary>
internal sealed class PodWorkers
{
    private readonly ConcurrentDictionary<string, PodWorker> _workers = new();

    public IReadOnlyCollection<string> Uids => _workers.Keys.ToArray();

    public ICollection<PodWorker> All => _workers.Values;

    public bool Contains(string uid) => _workers.ContainsKey(uid);

    public PodWorker GetOrAdd(V1Pod pod, Func<V1Pod, PodWorker> create) => _workers.GetOrAdd(pod.Metadata.Uid, _ => create(pod));

    public PodWorker? Find(string uid) => _workers.TryGetValue(uid, out var worker) ? worker : null;

    public void Remove(PodWorker worker) => _workers.TryRemove(worker.Uid, out _);
}
