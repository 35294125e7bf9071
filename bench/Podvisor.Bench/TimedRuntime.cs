using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Podvisor.Core.Model;
using Podvisor.Runtime;

namespace Podvisor.Bench;

/// <summary>
/// A container instance the runtime reported Started: Stopwatch times when the agent called CreateContainer and
/// StartContainer, and when the start returned (<see cref="Timestamp"/>, the instance is running).
/// </summary>
internal readonly record struct ContainerStart(string Name, long CreateCalled, long StartCalled, long Timestamp);

/// <summary>
/// Passes every call to the process runtime unchanged and timestamps each successful StartContainer (the runtime
/// publishes Started just before that call returns). The exit path (the runtime's event channel) is untouched, so
/// the agent sees exits exactly as without the harness.
/// </summary>
internal sealed class TimedRuntime(IContainerRuntime inner) : IContainerRuntime
{
    private readonly ConcurrentDictionary<string, string> _sandboxPods = new();
    private readonly ConcurrentDictionary<string, (string Pod, string Name, long CreateCalled)> _containers = new();
    private readonly ConcurrentDictionary<string, Channel<ContainerStart>> _starts = new();

    public ChannelReader<ContainerEvent> Events => inner.Events;

    /// <summary>Drops the starts recorded so far for a pod (call before triggering what is measured).</summary>
    public void ForgetStarts(string podUid)
    {
        var reader = StartsOf(podUid).Reader;
        while (reader.TryRead(out _))
        {
        }
    }

    /// <summary>Waits until each of <paramref name="names"/> was started (after the last forget); returns the last start.</summary>
    public async Task<ContainerStart> WaitStartedAsync(string podUid, IReadOnlyCollection<string> names, CancellationToken ct)
    {
        var pending = new HashSet<string>(names, StringComparer.Ordinal);
        var last = default(ContainerStart);
        var reader = StartsOf(podUid).Reader;
        while (pending.Count > 0)
        {
            var start = await reader.ReadAsync(ct);
            if (pending.Remove(start.Name) && start.Timestamp > last.Timestamp)
            {
                last = start;
            }
        }

        return last;
    }

    public async ValueTask<string> RunPodSandboxAsync(PodSandboxConfig config, CancellationToken ct)
    {
        var id = await inner.RunPodSandboxAsync(config, ct);
        _sandboxPods[id] = config.PodUid;
        return id;
    }

    public ValueTask StopPodSandboxAsync(string sandboxId, CancellationToken ct) => inner.StopPodSandboxAsync(sandboxId, ct);

    public async ValueTask RemovePodSandboxAsync(string sandboxId, CancellationToken ct)
    {
        await inner.RemovePodSandboxAsync(sandboxId, ct);
        if (_sandboxPods.TryRemove(sandboxId, out var pod) && !_sandboxPods.Values.Contains(pod))
        {
            _starts.TryRemove(pod, out _);
        }
    }

    public async ValueTask<string> CreateContainerAsync(string sandboxId, ContainerConfig config, CancellationToken ct)
    {
        var called = Stopwatch.GetTimestamp();
        var id = await inner.CreateContainerAsync(sandboxId, config, ct);
        _containers[id] = (_sandboxPods[sandboxId], config.Name, called);
        return id;
    }

    public async ValueTask StartContainerAsync(string containerId, CancellationToken ct)
    {
        var called = Stopwatch.GetTimestamp();
        await inner.StartContainerAsync(containerId, ct);
        var timestamp = Stopwatch.GetTimestamp();
        var (pod, name, created) = _containers[containerId];
        StartsOf(pod).Writer.TryWrite(new ContainerStart(name, created, called, timestamp));
    }

    public ValueTask StopContainerAsync(string containerId, TimeSpan gracePeriod, CancellationToken ct) =>
        inner.StopContainerAsync(containerId, gracePeriod, ct);

    public async ValueTask RemoveContainerAsync(string containerId, CancellationToken ct)
    {
        await inner.RemoveContainerAsync(containerId, ct);
        _containers.TryRemove(containerId, out _);
    }

    public RuntimePodStatus GetPodStatus(string podUid) => inner.GetPodStatus(podUid);

    public IReadOnlyCollection<string> PodUids => inner.PodUids;

    public ValueTask<ExecResult> ExecSyncAsync(string containerId, IReadOnlyList<string> argv, TimeSpan timeout, CancellationToken ct) =>
        inner.ExecSyncAsync(containerId, argv, timeout, ct);

    private Channel<ContainerStart> StartsOf(string podUid) =>
        _starts.GetOrAdd(podUid, _ => Channel.CreateUnbounded<ContainerStart>(new UnboundedChannelOptions { SingleReader = true }));
}
