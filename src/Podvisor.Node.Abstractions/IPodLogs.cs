using k8s.Models;

namespace Podvisor.Node.Abstractions;

/// <summary>
/// The node side of <c>GET .../pods/NAME/log</c> (the kubelet's GetContainerLogs), owned by the API that consumes it:
/// which CRI log file holds an instance of a container. The API checks the container name and formats the lines.
/// Implementations must be thread-safe and must not block beyond reading a directory.
/// </summary>
public interface IPodLogs
{
    /// <summary>
    /// The log of the container's newest instance, or with <paramref name="previous"/> of its lastState instance;
    /// a <see cref="PodLogUnavailable"/> with the kubelet's message when there is none.
    /// </summary>
    PodLog Find(V1Pod pod, string container, bool previous);

    /// <summary>Whether an instance of the container newer than <paramref name="restartCount"/> has a log (a follow of it ends).</summary>
    bool HasNewerInstance(V1Pod pod, string container, int restartCount);
}

/// <summary>The answer of <see cref="IPodLogs.Find"/>.</summary>
public abstract record PodLog;

/// <summary>The CRI-format log file of the instance with <paramref name="RestartCount"/>; a writer may rotate it (rename it away and start a new one at the same path).</summary>
public sealed record PodLogFile(string Path, int RestartCount) : PodLog;

/// <summary>No log to read; <paramref name="Message"/> is the kubelet's error, which the API answers with 400.</summary>
public sealed record PodLogUnavailable(string Message) : PodLog;
