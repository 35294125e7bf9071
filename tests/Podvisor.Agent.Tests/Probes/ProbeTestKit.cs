using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Podvisor.Agent.Probes;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;

namespace Podvisor.Agent.Tests.Probes;

/// <summary>An executor whose outcomes the test scripts, per container name; it records every call and its time.</summary>
internal sealed class ScriptedExecutor(TimeProvider time) : IProbeExecutor
{
    private readonly Dictionary<(string Container, ProbeType Type), Queue<ProbeOutcome>> _scripts = [];

    public List<(DateTimeOffset At, string Container, ProbeType Type, string ContainerId, int Thread)> Calls { get; } = [];

    /// <summary>What a call returns when nothing is scripted.</summary>
    public ProbeOutcome Default { get; set; } = ProbeOutcome.Success();

    /// <summary>When set, every call returns this task's result (for attempts that are still running).</summary>
    public Func<ProbeContext, CancellationToken, Task<ProbeOutcome>>? Pending { get; set; }

    /// <summary>Outcomes for the next calls of one probe of a container, in order.</summary>
    public void Script(string container, ProbeType type, params ProbeOutcome[] outcomes) => Enqueue((container, type), outcomes);

    public int CallsFor(string container, ProbeType type) => Calls.Count(c => c.Container == container && c.Type == type);

    /// <summary>When each call of one probe happened, in seconds since <paramref name="start"/>.</summary>
    public double[] SecondsOf(string container, ProbeType type, DateTimeOffset start) =>
        Calls.Where(c => c.Container == container && c.Type == type).Select(c => (c.At - start).TotalSeconds).ToArray();

    public async ValueTask<ProbeOutcome> ProbeAsync(V1Probe probe, ProbeContext context, CancellationToken ct)
    {
        var type = ProbeTypes.All.First(t => ReferenceEquals(context.Container.ProbeOf(t), probe));
        Calls.Add((time.GetUtcNow(), context.Container.Name, type, context.ContainerId, Environment.CurrentManagedThreadId));
        if (Pending is { } pending)
        {
            return await pending(context, ct);
        }

        return _scripts.TryGetValue((context.Container.Name, type), out var queue) && queue.Count > 0 ? queue.Dequeue() : Default;
    }

    private void Enqueue((string, ProbeType) key, ProbeOutcome[] outcomes)
    {
        if (!_scripts.TryGetValue(key, out var queue))
        {
            _scripts[key] = queue = new Queue<ProbeOutcome>();
        }

        foreach (var outcome in outcomes)
        {
            queue.Enqueue(outcome);
        }
    }
}

/// <summary>Records what the prober reports.</summary>
internal sealed class RecordingSink : IProbeEventSink
{
    public List<string> Changes { get; } = [];
    public List<(string Container, ProbeType Type, string Message)> Unhealthy { get; } = [];
    public List<(string Container, ProbeType Type, string Message)> Warnings { get; } = [];

    public void ProbeResultChanged(string podUid)
    {
        lock (Changes)
        {
            Changes.Add(podUid);
        }
    }

    void IProbeEventSink.Unhealthy(V1Pod pod, string containerName, ProbeType type, string message) => Unhealthy.Add((containerName, type, message));

    public void ProbeWarning(V1Pod pod, string containerName, ProbeType type, string message) => Warnings.Add((containerName, type, message));
}

/// <summary>Builders for pods, probes and runtime statuses.</summary>
internal static class Kit
{
    public static V1Probe Probe(int period = 10, int delay = 0, int success = 1, int failure = 3, int timeout = 1) => new()
    {
        Exec = new V1ExecAction { Command = ["true"] },
        PeriodSeconds = period,
        InitialDelaySeconds = delay,
        SuccessThreshold = success,
        FailureThreshold = failure,
        TimeoutSeconds = timeout,
    };

    public static V1Container Container(string name, V1Probe? liveness = null, V1Probe? readiness = null, V1Probe? startup = null, string? restartPolicy = null) => new()
    {
        Name = name,
        Image = "busybox",
        Command = ["sleep", "3600"],
        LivenessProbe = liveness,
        ReadinessProbe = readiness,
        StartupProbe = startup,
        RestartPolicy = restartPolicy,
    };

    public static V1Pod Pod(params V1Container[] containers) => PodWith(containers, []);

    public static V1Pod PodWith(IList<V1Container> containers, IList<V1Container> initContainers, string uid = "uid-1") => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "ns", Uid = uid },
        Spec = new V1PodSpec { Containers = containers, InitContainers = initContainers },
    };

    public static RuntimeContainerStatus Running(string id, string name, DateTimeOffset startedAt) => new()
    {
        Id = id,
        Name = name,
        State = RuntimeContainerState.Running,
        CreatedAt = startedAt,
        StartedAt = startedAt,
    };

    public static RuntimeContainerStatus Exited(RuntimeContainerStatus instance, int exitCode = 137) =>
        instance with { State = RuntimeContainerState.Exited, ExitCode = exitCode, FinishedAt = instance.StartedAt };

    /// <summary>A runtime status; instances are given oldest first and stored newest first, as the runtime reports.</summary>
    public static RuntimePodStatus RuntimeOf(string uid, params RuntimeContainerStatus[] oldestFirst) => new()
    {
        Uid = uid,
        Sandboxes = [new RuntimeSandboxStatus { Id = "sb", Ready = true, Ip = "10.88.0.5", CreatedAt = DateTimeOffset.UnixEpoch }],
        Containers = oldestFirst.Reverse().ToList(),
    };
}

/// <summary>A manager on a fake clock with a scripted executor: the harness of the worker state-machine tests.</summary>
internal sealed class ProbeHarness : IDisposable
{
    public ProbeHarness(double jitter = 0)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Start = Time.GetUtcNow();
        Executor = new ScriptedExecutor(Time);
        Sink = new RecordingSink();
        Manager = new ProbeManager(Time, Executor, Sink, () => jitter);
    }

    public FakeTimeProvider Time { get; }
    public DateTimeOffset Start { get; }
    public ScriptedExecutor Executor { get; }
    public RecordingSink Sink { get; }
    public ProbeManager Manager { get; }

    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>Advances the clock one second at a time, so each timer fires at its own instant.</summary>
    public void Advance(double seconds)
    {
        for (var i = 0; i < (int)seconds; i++)
        {
            Time.Advance(TimeSpan.FromSeconds(1));
        }

        var rest = seconds - Math.Floor(seconds);
        if (rest > 0)
        {
            Time.Advance(TimeSpan.FromSeconds(rest));
        }
    }

    public void Dispose() => Manager.Dispose();
}
