using k8s;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Podvisor.Core;

namespace Podvisor.Agent.Tests.Support;

/// <summary>
/// Drives the real <see cref="PodAgent"/> over a <see cref="FakeContainerRuntime"/> and a <see cref="FakeTimeProvider"/>:
/// pod YAML in, statuses, events and runtime calls out. Every wait is on the agent becoming idle, never on a sleep.
/// </summary>
public sealed class ScenarioHarness : IAsyncDisposable
{
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(20);

    private readonly string _dataDir = Directory.CreateTempSubdirectory("podvisor-agent-test-").FullName;

    /// <param name="images">Runs an image runtime with this store (built on <see cref="Time"/>); none by default.</param>
    public ScenarioHarness(FeatureGates? gates = null, TimeSpan? crashLoopBackOffMax = null, Func<FakeTimeProvider, FakeImageService>? images = null)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Runtime = new FakeContainerRuntime(Time) { Images = images?.Invoke(Time) };
        Sink = new RecordingSink();
        Logs = new RecordingLoggerFactory();
        Agent = new PodAgent(Runtime, Sink, TestAgentOptions.For(_dataDir) with
        {
            Gates = gates ?? FeatureGates.Default,
            CrashLoopBackOffMax = crashLoopBackOffMax,
        }, Time, Logs, ConfigObjects);
    }

    /// <summary>The ConfigMaps and Secrets the agent's pods see; call <see cref="PodAgent.ConfigObjectsChanged"/> after a change.</summary>
    public InMemoryConfigObjects ConfigObjects { get; } = new();

    public FakeTimeProvider Time { get; }
    public FakeContainerRuntime Runtime { get; }
    public RecordingSink Sink { get; }
    public PodAgent Agent { get; }

    /// <summary>Warnings and errors the agent logged; a scenario fails on any it does not expect.</summary>
    public RecordingLoggerFactory Logs { get; }

    /// <summary>Parses a pod manifest, gives it a UID and namespace, and hands it to the agent.</summary>
    public Task<V1Pod> RunAsync(string yaml) => RunAsync(KubernetesYaml.Deserialize<V1Pod>(yaml));

    /// <summary>Gives the pod a name, namespace and UID where it has none, hands it to the agent and settles.</summary>
    public async Task<V1Pod> RunAsync(V1Pod pod)
    {
        pod.Metadata ??= new V1ObjectMeta();
        pod.Metadata.Name ??= "pod";
        pod.Metadata.NamespaceProperty ??= "default";
        pod.Metadata.Uid ??= Guid.NewGuid().ToString();
        Agent.UpsertPod(pod);
        await SettleAsync();
        return pod;
    }

    /// <summary>Waits until the agent has reacted to everything (no queued sync, no unread runtime event).</summary>
    public async Task SettleAsync()
    {
        await SettleQuietlyAsync();
        if (Logs.Problems.Count > 0 && !ExpectProblems)
        {
            throw new InvalidOperationException("the agent logged: " + string.Join("\n", Logs.Problems));
        }
    }

    /// <summary>Set by scenarios that provoke agent warnings on purpose.</summary>
    public bool ExpectProblems { get; set; }

    private async Task SettleQuietlyAsync()
    {
        using var timeout = new CancellationTokenSource(SettleTimeout);
        try
        {
            // Order matters: an event is counted as agent work before it leaves the runtime's queue, so an empty
            // queue observed first means any event taken since is covered by the idle task captured after it.
            while (true)
            {
                if (Runtime.PendingEvents > 0)
                {
                    timeout.Token.ThrowIfCancellationRequested();
                    await Task.Yield();
                    continue;
                }

                await Agent.WaitIdleAsync().WaitAsync(timeout.Token);
                if (Runtime.PendingEvents == 0)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (Logs.Problems.Count > 0)
        {
            throw new InvalidOperationException("the agent did not settle and logged: " + string.Join("\n", Logs.Problems));
        }
        catch (OperationCanceledException)
        {
            var calls = Runtime.Calls;
            throw new TimeoutException($"the agent did not settle; last runtime calls: {string.Join(", ", calls.Skip(Math.Max(0, calls.Count - 30)))}");
        }
    }

    /// <summary>Moves the clock forward in steps, settling after each, so timers (backoff, grace periods) fire in order.</summary>
    public async Task AdvanceAsync(TimeSpan by, TimeSpan? step = null)
    {
        var s = step ?? TimeSpan.FromSeconds(1);
        for (var done = TimeSpan.Zero; done < by; done += s)
        {
            Time.Advance(s < by - done ? s : by - done);
            await Task.Yield();
            await SettleAsync();
        }
    }

    public async Task ExitAsync(V1Pod pod, string container, int exitCode)
    {
        Runtime.Exit(pod.Metadata.Uid, container, exitCode);
        await SettleAsync();
    }

    /// <summary>Deletes the pod gracefully (as the pod source does) and waits for the agent to settle.</summary>
    public async Task DeleteAsync(V1Pod pod, long? gracePeriodSeconds = null)
    {
        Agent.DeletePod(pod.Metadata.Uid, gracePeriodSeconds);
        await SettleAsync();
    }

    /// <summary>Waits (no sleeping) until the runtime has recorded <paramref name="call"/>, e.g. <c>Stop regular 2s</c>.</summary>
    public async Task WaitForCallAsync(string call)
    {
        try
        {
            await Runtime.WaitForCallsAsync(calls => calls.Contains(call)).WaitAsync(SettleTimeout);
        }
        catch (TimeoutException)
        {
            var calls = Runtime.Calls;
            throw new TimeoutException($"no runtime call '{call}'; last calls: {string.Join(", ", calls.Skip(Math.Max(0, calls.Count - 30)))}");
        }
    }

    /// <summary>Names of the containers started since <paramref name="mark"/>, in start order.</summary>
    public IReadOnlyList<string> Started(int mark = 0) =>
        [.. CallsSince(mark).Where(c => c.StartsWith("Start ", StringComparison.Ordinal)).Select(c => c["Start ".Length..])];

    /// <summary>Runtime calls recorded since <paramref name="mark"/> (a previous <c>Runtime.Calls.Count</c>).</summary>
    public IReadOnlyList<string> CallsSince(int mark) => Runtime.Calls.Skip(mark).ToList();

    /// <summary>Every status the pod published, oldest first.</summary>
    public IReadOnlyList<V1PodStatus> History(V1Pod pod) => Sink.Statuses(pod.Metadata.Uid);

    public V1PodStatus Status(V1Pod pod) => Sink.Latest(pod.Metadata.Uid) ?? throw new InvalidOperationException("no status yet");

    public V1ContainerStatus Container(V1Pod pod, string name)
    {
        var s = Status(pod);
        return (s.InitContainerStatuses ?? []).Concat(s.ContainerStatuses ?? []).Single(c => c.Name == name);
    }

    public V1PodCondition? Condition(V1Pod pod, string type) => Status(pod).Conditions?.SingleOrDefault(c => c.Type == type);

    public IReadOnlyList<Corev1Event> EventsWithReason(string reason) => Sink.Events.Where(e => e.Reason == reason).ToList();

    public async ValueTask DisposeAsync()
    {
        // A test that fails mid-termination leaves stops waiting on the fake clock: let their grace periods run out
        // (bounded), so the run reports the failure instead of hanging.
        var disposed = Agent.DisposeAsync().AsTask();
        for (var minute = 0; minute < 60 && await Task.WhenAny(disposed, Task.Delay(TimeSpan.FromMilliseconds(100))) != disposed; minute++)
        {
            Time.Advance(TimeSpan.FromMinutes(1));
        }

        await disposed.WaitAsync(SettleTimeout);
        Directory.Delete(_dataDir, recursive: true);
    }
}
