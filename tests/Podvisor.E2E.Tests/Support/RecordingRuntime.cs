using System.Collections.Concurrent;
using System.Threading.Channels;
using Podvisor.Core.Model;
using Podvisor.Runtime;

namespace Podvisor.E2E.Tests.Support;

/// <summary>One call the agent made to the runtime, numbered in the order calls began or ended.</summary>
/// <param name="Sequence">Position in the global order of <see cref="RecordingRuntime.Calls"/>.</param>
/// <param name="Kind">What happened (see <see cref="RuntimeCallKind"/>).</param>
/// <param name="Name">The container's name, or the pod's name for sandbox calls.</param>
/// <param name="Grace">The grace period of a stop.</param>
/// <param name="ExitCode">The exit code the container had when its stop returned.</param>
public sealed record RuntimeCall(long Sequence, RuntimeCallKind Kind, string PodUid, string Name, TimeSpan? Grace = null, int? ExitCode = null)
{
    public override string ToString() => $"{Kind} {Name}" + (Grace is { } g ? $" {g.TotalSeconds}s" : "") + (ExitCode is { } c ? $" exit {c}" : "");
}

public enum RuntimeCallKind
{
    RunPodSandbox,
    StopPodSandbox,
    RemovePodSandbox,
    CreateContainer,
    StartContainer,
    StopBegin,
    StopEnd,
    RemoveContainer,
}

/// <summary>
/// Passes every call through to the real runtime and records it, so tests can assert what the agent asked for and in
/// which order: removal order, stop overlap (parallel kills), grace periods, sandbox reuse, and the exit code each
/// stopped container ended with. Also remembers every sandbox id, for the leftover-namespace check.
/// </summary>
public sealed class RecordingRuntime(IContainerRuntime inner) : IContainerRuntime
{
    private readonly ConcurrentQueue<RuntimeCall> _calls = new();
    private readonly ConcurrentDictionary<string, (string PodUid, string Name)> _sandboxes = new();
    private readonly ConcurrentDictionary<string, (string PodUid, string Name)> _containers = new();
    private long _sequence;

    public IReadOnlyList<RuntimeCall> Calls => _calls.OrderBy(c => c.Sequence).ToList();

    public IReadOnlyCollection<string> SandboxIds => _sandboxes.Keys.ToList();

    public ChannelReader<ContainerEvent> Events => inner.Events;

    public IReadOnlyList<RuntimeCall> CallsOf(string podUid) => Calls.Where(c => c.PodUid == podUid).ToList();

    public async ValueTask<string> RunPodSandboxAsync(PodSandboxConfig config, CancellationToken ct)
    {
        var id = await inner.RunPodSandboxAsync(config, ct);
        _sandboxes[id] = (config.PodUid, config.Name);
        Record(RuntimeCallKind.RunPodSandbox, _sandboxes[id]);
        return id;
    }

    public ValueTask StopPodSandboxAsync(string sandboxId, CancellationToken ct)
    {
        Record(RuntimeCallKind.StopPodSandbox, SandboxOf(sandboxId));
        return inner.StopPodSandboxAsync(sandboxId, ct);
    }

    public ValueTask RemovePodSandboxAsync(string sandboxId, CancellationToken ct)
    {
        Record(RuntimeCallKind.RemovePodSandbox, SandboxOf(sandboxId));
        return inner.RemovePodSandboxAsync(sandboxId, ct);
    }

    public async ValueTask<string> CreateContainerAsync(string sandboxId, ContainerConfig config, CancellationToken ct)
    {
        var id = await inner.CreateContainerAsync(sandboxId, config, ct);
        _containers[id] = (SandboxOf(sandboxId).PodUid, config.Name);
        Record(RuntimeCallKind.CreateContainer, _containers[id]);
        return id;
    }

    public ValueTask StartContainerAsync(string containerId, CancellationToken ct)
    {
        Record(RuntimeCallKind.StartContainer, ContainerOf(containerId));
        return inner.StartContainerAsync(containerId, ct);
    }

    public async ValueTask StopContainerAsync(string containerId, TimeSpan gracePeriod, CancellationToken ct)
    {
        var container = ContainerOf(containerId);
        Record(RuntimeCallKind.StopBegin, container, gracePeriod);
        await inner.StopContainerAsync(containerId, gracePeriod, ct);
        var status = inner.GetPodStatus(container.PodUid).Containers.FirstOrDefault(c => c.Id == containerId);
        Record(RuntimeCallKind.StopEnd, container, gracePeriod, status?.State == RuntimeContainerState.Exited ? status.ExitCode : null);
    }

    public ValueTask RemoveContainerAsync(string containerId, CancellationToken ct)
    {
        Record(RuntimeCallKind.RemoveContainer, ContainerOf(containerId));
        return inner.RemoveContainerAsync(containerId, ct);
    }

    public RuntimePodStatus GetPodStatus(string podUid) => inner.GetPodStatus(podUid);

    public IReadOnlyCollection<string> PodUids => inner.PodUids;

    public ValueTask<ExecResult> ExecSyncAsync(string containerId, IReadOnlyList<string> argv, TimeSpan timeout, CancellationToken ct) =>
        inner.ExecSyncAsync(containerId, argv, timeout, ct);

    private (string PodUid, string Name) SandboxOf(string id) => _sandboxes.TryGetValue(id, out var s) ? s : ("", id);

    private (string PodUid, string Name) ContainerOf(string id) => _containers.TryGetValue(id, out var c) ? c : ("", id);

    private void Record(RuntimeCallKind kind, (string PodUid, string Name) target, TimeSpan? grace = null, int? exitCode = null) =>
        _calls.Enqueue(new RuntimeCall(Interlocked.Increment(ref _sequence), kind, target.PodUid, target.Name, grace, exitCode));
}
