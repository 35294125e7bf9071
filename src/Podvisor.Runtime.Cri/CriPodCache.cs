using System.Globalization;
using Podvisor.Core.Model;
using V1 = Podvisor.Runtime.Cri.V1;

namespace Podvisor.Runtime.Cri;

/// <summary>
/// The runtime's last known view of every Podvisor pod, kept current by CRI events, the agent's own calls and the
/// relist. Reads (<see cref="Get"/>) return an immutable snapshot. Updates never move a container backwards
/// (Created → Running → Exited), so a late answer cannot undo a newer one, and each forward step is returned once
/// as the <see cref="ContainerEventType"/>s it implies.
/// </summary>
internal sealed class CriPodCache
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Pod> _pods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _podOf = new(StringComparer.Ordinal); // sandbox or container id → pod uid

    public RuntimePodStatus Get(string podUid)
    {
        lock (_gate)
        {
            return _pods.TryGetValue(podUid, out var pod) ? pod.Snapshot : RuntimePodStatus.Empty(podUid);
        }
    }

    public List<string> PodUids()
    {
        lock (_gate)
        {
            return [.. _pods.Keys];
        }
    }

    public string? PodOf(string id)
    {
        lock (_gate)
        {
            return _podOf.GetValueOrDefault(id);
        }
    }

    public RuntimeContainerStatus? Container(string containerId)
    {
        lock (_gate)
        {
            return _podOf.TryGetValue(containerId, out var uid) ? _pods[uid].Containers.GetValueOrDefault(containerId)?.Status : null;
        }
    }

    public string? SandboxOf(string containerId)
    {
        lock (_gate)
        {
            return _podOf.TryGetValue(containerId, out var uid) ? _pods[uid].Containers.GetValueOrDefault(containerId)?.SandboxId : null;
        }
    }

    public CachedSandbox? Sandbox(string sandboxId)
    {
        lock (_gate)
        {
            return _podOf.TryGetValue(sandboxId, out var uid) ? _pods[uid].Sandboxes.GetValueOrDefault(sandboxId) : null;
        }
    }

    /// <summary>Ids of every sandbox and container known, for the relist to find what disappeared.</summary>
    public (List<string> Sandboxes, List<string> Containers) Ids()
    {
        lock (_gate)
        {
            return (_pods.Values.SelectMany(p => p.Sandboxes.Keys).ToList(), _pods.Values.SelectMany(p => p.Containers.Keys).ToList());
        }
    }

    public IReadOnlyList<string> ContainersOf(string sandboxId)
    {
        lock (_gate)
        {
            return _podOf.TryGetValue(sandboxId, out var uid)
                ? _pods[uid].Containers.Where(c => c.Value.SandboxId == sandboxId).Select(c => c.Key).ToList()
                : [];
        }
    }

    public void PutSandbox(CachedSandbox sandbox)
    {
        lock (_gate)
        {
            var pod = PodFor(sandbox.PodUid);
            pod.Sandboxes[sandbox.Status.Id] = sandbox;
            _podOf[sandbox.Status.Id] = sandbox.PodUid;
            pod.Refresh();
        }
    }

    /// <summary>Stores a container status; returns the events of the step it makes (none for a stale or a first, adopted one).</summary>
    public IReadOnlyList<ContainerEventType> PutContainer(string podUid, string sandboxId, RuntimeContainerStatus status, bool adopted)
    {
        lock (_gate)
        {
            var pod = PodFor(podUid);
            var old = pod.Containers.GetValueOrDefault(status.Id)?.Status;
            if (old is not null && Rank(status.State) < Rank(old.State))
            {
                return [];
            }

            pod.Containers[status.Id] = new CachedContainer(sandboxId, status);
            _podOf[status.Id] = podUid;
            pod.Refresh();
            if (adopted && old is null)
            {
                return [];
            }

            var events = new List<ContainerEventType>(2);
            if (status.StartedAt is not null && old?.StartedAt is null)
            {
                events.Add(ContainerEventType.Started);
            }

            if (status.State == RuntimeContainerState.Exited && old?.State != RuntimeContainerState.Exited)
            {
                events.Add(ContainerEventType.Exited);
            }

            return events;
        }
    }

    public void Remove(string id)
    {
        lock (_gate)
        {
            if (!_podOf.Remove(id, out var uid))
            {
                return;
            }

            var pod = _pods[uid];
            if (pod.Sandboxes.Remove(id))
            {
                foreach (var containerId in pod.Containers.Where(c => c.Value.SandboxId == id).Select(c => c.Key).ToList())
                {
                    pod.Containers.Remove(containerId);
                    _podOf.Remove(containerId);
                }
            }

            pod.Containers.Remove(id);
            if (pod.Sandboxes.Count == 0 && pod.Containers.Count == 0)
            {
                _pods.Remove(uid);
            }
            else
            {
                pod.Refresh();
            }
        }
    }

    /// <summary>Our view of a CRI container status, reading back what Podvisor stored in its annotations.</summary>
    public static RuntimeContainerStatus ToStatus(V1.ContainerStatus s, string? terminationMessage) => new()
    {
        Id = s.Id,
        Name = s.Metadata?.Name ?? s.Labels.GetValueOrDefault(CriLabels.ContainerName, ""),
        State = ToState(s.State),
        CreatedAt = FromNanoseconds(s.CreatedAt),
        StartedAt = s.StartedAt > 0 ? FromNanoseconds(s.StartedAt) : null,
        FinishedAt = s.FinishedAt > 0 ? FromNanoseconds(s.FinishedAt) : null,
        ExitCode = s.ExitCode,
        Reason = s.State == V1.ContainerState.ContainerExited && s.Reason.Length > 0 ? s.Reason : null,
        Message = terminationMessage ?? (s.Message.Length > 0 ? s.Message : null),
        Hash = s.Annotations.GetValueOrDefault(CriLabels.ContainerHash, ""),
        RestartCount = int.TryParse(s.Annotations.GetValueOrDefault(CriLabels.RestartCount), CultureInfo.InvariantCulture, out var n) ? n : 0,
        Image = s.Image?.Image ?? "",
        ImageRef = s.ImageRef,
    };

    public static RuntimeContainerState ToState(V1.ContainerState state) => state switch
    {
        V1.ContainerState.ContainerCreated => RuntimeContainerState.Created,
        V1.ContainerState.ContainerRunning => RuntimeContainerState.Running,
        V1.ContainerState.ContainerExited => RuntimeContainerState.Exited,
        _ => RuntimeContainerState.Unknown,
    };

    public static DateTimeOffset FromNanoseconds(long ns) => DateTimeOffset.UnixEpoch.AddTicks(ns / 100);

    private static int Rank(RuntimeContainerState state) => state switch
    {
        RuntimeContainerState.Created => 0,
        RuntimeContainerState.Running => 1,
        RuntimeContainerState.Exited => 2,
        RuntimeContainerState.Unknown => -1,
        _ => throw new System.Diagnostics.UnreachableException(),
    };

    private Pod PodFor(string uid)
    {
        if (!_pods.TryGetValue(uid, out var pod))
        {
            pod = new Pod(uid);
            _pods[uid] = pod;
        }

        return pod;
    }

    private sealed record CachedContainer(string SandboxId, RuntimeContainerStatus Status);

    private sealed class Pod(string uid)
    {
        public Dictionary<string, CachedSandbox> Sandboxes { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, CachedContainer> Containers { get; } = new(StringComparer.Ordinal);
        public RuntimePodStatus Snapshot { get; private set; } = RuntimePodStatus.Empty(uid);

        public void Refresh() => Snapshot = new RuntimePodStatus
        {
            Uid = uid,
            Sandboxes = Sandboxes.Values.Select(s => s.Status).OrderByDescending(s => s.CreatedAt).ToList(),
            Containers = Containers.Values.Select(c => c.Status).OrderByDescending(c => c.CreatedAt).ToList(),
        };
    }
}

/// <summary>A sandbox as cached: its status, the CRI config CreateContainer needs again.</summary>
internal sealed record CachedSandbox(string PodUid, RuntimeSandboxStatus Status, V1.PodSandboxConfig Config);
