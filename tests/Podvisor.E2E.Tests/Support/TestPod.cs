using k8s.Models;
using Podvisor.Core.Logs;
using Podvisor.Runtime;

namespace Podvisor.E2E.Tests.Support;

/// <summary>A pod run by an <see cref="AgentHarness"/>: its statuses, events, runtime calls, logs, and waits on them.</summary>
public sealed class TestPod(AgentHarness harness, V1Pod pod)
{
    public V1Pod Pod { get; } = pod;
    public string Uid => Pod.Metadata.Uid;
    public string Name => Pod.Metadata.Name;

    /// <summary>The latest status the agent published.</summary>
    public V1PodStatus Status => harness.Recorder.Latest(Uid) ?? throw new InvalidOperationException("no status yet");

    /// <summary>Every status the agent published, oldest first.</summary>
    public IReadOnlyList<V1PodStatus> History => harness.Recorder.Statuses(Uid);

    /// <summary>Events in recording order (an aggregated repeat appears again).</summary>
    public IReadOnlyList<Corev1Event> Events => harness.Recorder.Events(Uid);

    public IReadOnlyList<RuntimeCall> Calls => harness.Runtime.CallsOf(Uid);

    /// <summary>The containers in the order the runtime was asked to start them.</summary>
    public IReadOnlyList<string> StartOrder => Calls.Where(c => c.Kind == RuntimeCallKind.StartContainer).Select(c => c.Name).ToList();

    public IEnumerable<Corev1Event> EventsWith(string reason, string? container = null) =>
        Events.Where(e => e.Reason == reason && (container is null || e.ContainerName() == container));

    /// <summary>Waits until the latest status satisfies <paramref name="condition"/>, and returns that status.</summary>
    public async Task<V1PodStatus> WaitForAsync(Func<V1PodStatus, bool> condition, string description)
    {
        V1PodStatus? seen = null;
        await harness.WaitAsync(() => harness.Recorder.Latest(Uid) is { } s && condition(s) && (seen = s) is not null, $"{Name}: {description}");
        return seen!;
    }

    public Task<V1PodStatus> WaitForPhaseAsync(string phase) => WaitForAsync(s => s.Phase == phase, "phase " + phase);

    /// <summary>Waits until every named container is Running with at least <paramref name="restarts"/> restarts.</summary>
    public Task<V1PodStatus> WaitForRunningAsync(int restarts, params string[] containers) =>
        WaitForAsync(s => containers.All(c => s.IsRunning(c) && s.RestartCount(c) >= restarts),
            $"{string.Join(", ", containers)} Running with restartCount >= {restarts}");

    public Task WaitForEventAsync(string reason, string? container = null) =>
        harness.WaitAsync(() => EventsWith(reason, container).Any(), $"{Name}: event {reason} {container}");

    /// <summary>Deletes the pod (optionally overriding the grace period) and waits until the agent has removed it.</summary>
    public async Task DeleteAsync(long? gracePeriodSeconds = null)
    {
        harness.Agent.DeletePod(Uid, gracePeriodSeconds);
        await harness.WaitAsync(() => harness.Recorder.IsTerminated(Uid), $"{Name}: removal after deletion");
    }

    public string LogPath(string container, int restartCount) =>
        harness.Agent.Logs.ContainerLog(Pod, container, restartCount);

    /// <summary>The output of one container instance (its CRI log; deleted with the pod, so read it before).</summary>
    public string Log(string container, int restartCount) =>
        string.Concat(CriLog.ReadEntries(LogPath(container, restartCount)).Select(e => e.Text));

    /// <summary>The pod's emptyDir on the host (kubelet layout).</summary>
    public string EmptyDir(string volume) =>
        Path.Combine(harness.DataDir, "pods", Uid, "volumes", "kubernetes.io~empty-dir", volume);
}
