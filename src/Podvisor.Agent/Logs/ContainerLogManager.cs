using System.Globalization;
using k8s.Models;
using Podvisor.Core.Model;
using Podvisor.Node.Abstractions;
using Podvisor.Runtime;

namespace Podvisor.Agent.Logs;

/// <summary>
/// The kubelet's container logs (pkg/kubelet/kuberuntime/kuberuntime_container.go, logs/container_log_manager.go) and
/// the one home of their layout (BuildPodLogsDirectory, BuildContainerLogsDirectory):
/// <c>DATA/logs/NAMESPACE_NAME_UID/CONTAINER/RESTARTCOUNT.log</c>, one file per instance, the highest N the newest; the
/// runtime writes and rotates each file. Which instance a log request reads, the restart count of a new instance, and
/// which logs go (old instances, deleted pods) are decided here.
/// </summary>
public sealed class ContainerLogManager(string dataDir) : IPodLogs
{
    /// <summary>Where every pod's log directory lives.</summary>
    public string Root { get; } = Path.Combine(dataDir, "logs");

    /// <summary>The pod's log directory (the CRI sandbox's log_directory).</summary>
    public string PodDirectory(V1Pod pod) => Path.Combine(Root, $"{Namespace(pod)}_{pod.Metadata.Name}_{pod.Metadata.Uid}");

    /// <summary>Where the CRI log of the instance <paramref name="restartCount"/> of the pod's container goes.</summary>
    public string ContainerLog(V1Pod pod, string container, int restartCount) =>
        Path.Combine(PodDirectory(pod), container, $"{restartCount.ToString(CultureInfo.InvariantCulture)}.log");

    /// <summary>The instance a file under <see cref="Root"/> is the log of; false for any other path.</summary>
    public bool TryParse(string path, out ContainerLogName log)
    {
        log = default;
        var parts = Path.GetRelativePath(Root, path).Split(Path.DirectorySeparatorChar);
        var pod = parts.Length == 3 ? parts[0].Split('_') : [];
        if (pod.Length != 3 || !parts[2].EndsWith(".log", StringComparison.Ordinal)
            || !int.TryParse(parts[2][..^4], NumberStyles.None, CultureInfo.InvariantCulture, out var restartCount))
        {
            return false;
        }

        log = new ContainerLogName(pod[0], pod[1], pod[2], parts[1], restartCount);
        return true;
    }

    /// <summary>
    /// Mirrors kubelet startContainer's restart count: the newest runtime instance's count + 1, else (instances removed,
    /// e.g. by RestartAllContainers) one more than the highest <c>N.log</c> of the container (calcRestartCountByLogDir).
    /// </summary>
    public int NextRestartCount(V1Pod pod, string container, RuntimePodStatus observed) =>
        observed.FindContainerStatusByName(container) is { } newest ? newest.RestartCount + 1 : Instances(pod, container).LastOrDefault(-1) + 1;

    /// <summary>
    /// Mirrors kubelet validateContainerLogStatus: without <paramref name="previous"/> the newest instance; with it the
    /// lastState instance, which is the newest file while the container waits to restart and the one before it otherwise.
    /// </summary>
    public PodLog Find(V1Pod pod, string container, bool previous)
    {
        var instances = Instances(pod, container);
        var status = (pod.Status?.InitContainerStatuses ?? []).Concat(pod.Status?.ContainerStatuses ?? []).FirstOrDefault(s => s.Name == container);
        if (previous)
        {
            var waitingToRestart = status?.State?.Waiting is not null;
            var index = instances.Count - (waitingToRestart ? 1 : 2);
            return (status is not null && status.LastState?.Terminated is null) || index < 0
                ? new PodLogUnavailable($"previous terminated container \"{container}\" in pod \"{pod.Metadata.Name}\" not found")
                : new PodLogFile(ContainerLog(pod, container, instances[index]), instances[index]);
        }

        if (instances.Count == 0)
        {
            var reason = status?.State?.Waiting?.Reason is { Length: > 0 } r ? r : "ContainerCreating";
            return new PodLogUnavailable($"container \"{container}\" in pod \"{pod.Metadata.Name}\" is waiting to start: {reason}");
        }

        return new PodLogFile(ContainerLog(pod, container, instances[^1]), instances[^1]);
    }

    public bool HasNewerInstance(V1Pod pod, string container, int restartCount) => Instances(pod, container).LastOrDefault() > restartCount;

    /// <summary>The kubelet's container GC at MaxPerPodContainer = 1 for logs: the current and the previous instance's log stay; older ones go, rotated parts too.</summary>
    public void PruneOldInstances(V1Pod pod, string container, int restartCount)
    {
        for (var n = restartCount - 2; n >= 0; n--)
        {
            var old = ContainerLog(pod, container, n);
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

    /// <summary>A deleted pod's logs go (the kubelet's pod log directory removal in SyncTerminatedPod).</summary>
    public void RemovePod(V1Pod pod)
    {
        var logs = PodDirectory(pod);
        if (Directory.Exists(logs))
        {
            Directory.Delete(logs, recursive: true);
        }
    }

    /// <summary>The logs of a runtime pod no pod object names any more (only its UID is known).</summary>
    public void RemoveOrphan(string uid)
    {
        foreach (var logs in Directory.Exists(Root) ? Directory.GetDirectories(Root, "*_" + uid) : [])
        {
            Directory.Delete(logs, recursive: true);
        }
    }

    /// <summary>Restart counts of the container that have a log file, ascending.</summary>
    private List<int> Instances(V1Pod pod, string container)
    {
        var directory = Path.GetDirectoryName(ContainerLog(pod, container, 0))!;
        if (!Directory.Exists(directory))
        {
            return [];
        }

        return Directory.EnumerateFiles(directory, "*.log")
            .Select(f => int.TryParse(Path.GetFileNameWithoutExtension(f), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
            .Where(n => n >= 0)
            .Order()
            .ToList();
    }

    private static string Namespace(V1Pod pod) => pod.Metadata.NamespaceProperty ?? "default";
}

/// <summary>The pod, container and restart count a log file belongs to (its place in the layout).</summary>
public readonly record struct ContainerLogName(string Namespace, string PodName, string PodUid, string Container, int RestartCount);
