using System.Globalization;
using k8s.Models;
using Podvisor.Api.Http;
using Podvisor.Runtime;

namespace Podvisor.Api.Logs;

/// <summary>
/// Picks the CRI log file for a log request. Files are <c>LogPaths.ContainerLog(..., restartCount)</c>; the highest
/// N.log is the newest instance. Mirrors kubelet validateContainerLogStatus: "previous" is the lastState instance,
/// which is the newest file while the container waits to restart and the one before it otherwise.
/// </summary>
internal static class LogFiles
{
    public static (string? Path, ApiError? Error) Resolve(string dataDir, V1Pod pod, LogOptions options)
    {
        var podName = pod.Metadata.Name;
        var (container, error) = ContainerName(pod, options.Container);
        if (container is null)
        {
            return (null, error);
        }

        var instances = Instances(dataDir, pod, container);
        var status = (pod.Status?.InitContainerStatuses ?? []).Concat(pod.Status?.ContainerStatuses ?? []).FirstOrDefault(s => s.Name == container);
        if (options.Previous)
        {
            var waitingToRestart = status?.State?.Waiting is not null;
            var index = instances.Count - (waitingToRestart ? 1 : 2);
            if ((status is not null && status.LastState?.Terminated is null) || index < 0)
            {
                return (null, ApiError.BadRequest($"previous terminated container \"{container}\" in pod \"{podName}\" not found"));
            }

            return (Path(dataDir, pod, container, instances[index]), null);
        }

        if (instances.Count == 0)
        {
            var reason = status?.State?.Waiting?.Reason is { Length: > 0 } r ? r : "ContainerCreating";
            return (null, ApiError.BadRequest($"container \"{container}\" in pod \"{podName}\" is waiting to start: {reason}"));
        }

        return (Path(dataDir, pod, container, instances[^1]), null);
    }

    /// <summary>Restart counts that have a log file, ascending.</summary>
    public static List<int> Instances(string dataDir, V1Pod pod, string container)
    {
        var directory = System.IO.Path.GetDirectoryName(Path(dataDir, pod, container, 0))!;
        if (!Directory.Exists(directory))
        {
            return [];
        }

        return Directory.EnumerateFiles(directory, "*.log")
            .Select(f => int.TryParse(System.IO.Path.GetFileNameWithoutExtension(f), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
            .Where(n => n >= 0)
            .Order()
            .ToList();
    }

    public static string Path(string dataDir, V1Pod pod, string container, int restartCount) =>
        LogPaths.ContainerLog(dataDir, pod.Metadata.NamespaceProperty ?? "default", pod.Metadata.Name, pod.Metadata.Uid ?? "", container, restartCount);

    /// <summary>Mirrors pod LogLocation: the only container by default, else the name must be given and exist.</summary>
    private static (string? Name, ApiError? Error) ContainerName(V1Pod pod, string requested)
    {
        var name = pod.Metadata.Name;
        var containers = pod.Spec?.Containers ?? [];
        var init = pod.Spec?.InitContainers ?? [];
        if (requested.Length > 0)
        {
            return containers.Concat(init).Any(c => c.Name == requested)
                ? (requested, null)
                : (null, ApiError.BadRequest($"container {requested} is not valid for pod {name}"));
        }

        return containers.Count switch
        {
            1 => (containers[0].Name, null),
            0 => (null, ApiError.BadRequest($"a container name must be specified for pod {name}")),
            _ => (null, ApiError.BadRequest($"a container name must be specified for pod {name}, choose one of: [{string.Join(" ", containers.Select(c => c.Name))}]"
                + (init.Count > 0 ? $" or one of the init containers: [{string.Join(" ", init.Select(c => c.Name))}]" : ""))),
        };
    }
}
