using System.Collections.Concurrent;
using System.Threading.Channels;
using Podvisor.Core.Model;
using Podvisor.Runtime;

namespace Podvisor.Agent.Tests.Support;

/// <summary>How a fake container behaves once started.</summary>
/// <param name="ExitCode">Exit at once with this code; null keeps it running until <see cref="FakeContainerRuntime.Exit"/>.</param>
/// <param name="IgnoresSigterm">A stop waits the whole grace period and ends with SIGKILL (137) instead of 143.</param>
/// <param name="SigtermDelay">A stop ends with 143 this long after SIGTERM (137 at the grace period if that is sooner).</param>
/// <param name="ExitMessage">The runtime's message on exit (the resolved termination message, docs/lifecycle.md §10.3).</param>
public sealed record FakeBehavior(int? ExitCode = null, bool IgnoresSigterm = false, TimeSpan? SigtermDelay = null, string? ExitMessage = null)
{
    public static FakeBehavior Run { get; } = new();

    public static FakeBehavior ExitWith(int code) => new(code);
}

/// <summary>
/// An in-memory CRI runtime driven by a (fake) TimeProvider. It records every call, lets tests script each container
/// instance's behaviour by name and attempt, inject exits and start failures, and emits the same events as a real runtime
/// (held to the runtime contract by <see cref="FakeRuntimeContractTests"/>).
/// </summary>
public sealed class FakeContainerRuntime(TimeProvider time) : IContainerRuntime
{
    private readonly Channel<ContainerEvent> _events = Channel.CreateUnbounded<ContainerEvent>();
    private readonly ConcurrentDictionary<string, Sandbox> _sandboxes = new();
    private readonly ConcurrentDictionary<string, Instance> _containers = new();
    private readonly ConcurrentDictionary<string, Func<int, FakeBehavior>> _scripts = new();
    private readonly ConcurrentDictionary<string, string> _startFailures = new();
    private readonly ConcurrentDictionary<string, string> _createFailures = new();
    private readonly ConcurrentQueue<string> _calls = new();
    private readonly List<(Func<IReadOnlyList<string>, bool> Done, TaskCompletionSource Signal)> _waiters = [];
    private long _sequence;
    private int _snapshots;
    private int _nextIp = 2;

    /// <summary>
    /// Every runtime call, in order: <c>RunPodSandbox</c>, <c>Create NAME</c>, <c>Start NAME</c>, <c>Stop NAME 2s</c>,
    /// <c>Remove NAME</c>, <c>Exec NAME</c>, ..., plus each container exit as it happens: <c>Exited NAME CODE</c>.
    /// </summary>
    public IReadOnlyList<string> Calls => _calls.ToArray();

    /// <summary>
    /// Completes once <paramref name="done"/> holds for <see cref="Calls"/> (checked on every new entry), for waiting on
    /// an agent that is blocked on the fake clock (a grace period) and so never becomes idle by itself.
    /// </summary>
    public Task WaitForCallsAsync(Func<IReadOnlyList<string>, bool> done)
    {
        lock (_waiters)
        {
            if (done(Calls))
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((done, signal));
            return signal.Task;
        }
    }

    /// <summary>Runtime events written but not yet read by the agent.</summary>
    public int PendingEvents => _events.Reader.Count;

    public ChannelReader<ContainerEvent> Events => _events.Reader;

    /// <summary>Scripts a container by name: the behaviour of its n-th start (0-based, counted over the pod's life).</summary>
    public void Script(string name, Func<int, FakeBehavior> behavior) => _scripts[name] = behavior;

    /// <summary>Makes every start of a container fail with a <see cref="ContainerStartException"/>.</summary>
    public void FailStarts(string name, string message) => _startFailures[name] = message;

    /// <summary>Makes every CreateContainer of <paramref name="name"/> throw ContainerStartException (the runtime's CreateContainer error).</summary>
    public void FailCreates(string name, string message) => _createFailures[name] = message;

    /// <summary>The image store; null (the default) is a runtime without images, as the process runtime.</summary>
    public FakeImageService? Images { get; init; }

    IImageService? IContainerRuntime.Images => Images;

    public int StartCount(string name) => _calls.Count(c => c == "Start " + name);

    /// <summary>
    /// Makes the running instance of a container exit with a code (as if its process ended); with
    /// <paramref name="silently"/> no event is published, as if the runtime had lost it.
    /// </summary>
    public void Exit(string podUid, string name, int exitCode, bool silently = false)
    {
        var instance = _containers.Values.Where(c => c.PodUid == podUid && c.Status.Name == name && c.Status.State == RuntimeContainerState.Running)
            .OrderByDescending(c => c.Sequence).FirstOrDefault()
            ?? throw new InvalidOperationException($"container {name} is not running");
        Finish(instance, exitCode, publish: !silently);
    }

    /// <summary>The config the newest instance of a container was created with.</summary>
    public ContainerConfig ConfigOf(string podUid, string name) =>
        _containers.Values.Where(c => c.PodUid == podUid && c.Status.Name == name).OrderByDescending(c => c.Sequence).First().Config;

    public ValueTask<string> RunPodSandboxAsync(PodSandboxConfig config, CancellationToken ct)
    {
        Record("RunPodSandbox");
        var id = "sb-" + Interlocked.Increment(ref _sequence);
        _sandboxes[id] = new Sandbox(config.PodUid, new RuntimeSandboxStatus
        {
            Id = id,
            Ready = true,
            Ip = $"10.88.0.{Interlocked.Increment(ref _nextIp)}",
            Attempt = config.Attempt,
            CreatedAt = time.GetUtcNow(),
        }, Interlocked.Increment(ref _sequence));
        return ValueTask.FromResult(id);
    }

    public ValueTask StopPodSandboxAsync(string sandboxId, CancellationToken ct)
    {
        Record("StopPodSandbox");
        if (_sandboxes.TryGetValue(sandboxId, out var sb))
        {
            _sandboxes[sandboxId] = sb with { Status = sb.Status with { Ready = false } };
            foreach (var c in _containers.Values.Where(c => c.PodUid == sb.PodUid && c.Status.State == RuntimeContainerState.Running))
            {
                Finish(c, 137);
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RemovePodSandboxAsync(string sandboxId, CancellationToken ct)
    {
        Record("RemovePodSandbox");
        _sandboxes.TryRemove(sandboxId, out _);
        foreach (var c in _containers.Values.Where(c => c.SandboxId == sandboxId))
        {
            _containers.TryRemove(c.Status.Id, out _);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Simulates a lost sandbox (node reboot): the sandbox is no longer ready and every container is gone.</summary>
    public void LoseSandbox(string podUid)
    {
        foreach (var (id, sb) in _sandboxes.Where(s => s.Value.PodUid == podUid))
        {
            _sandboxes[id] = sb with { Status = sb.Status with { Ready = false } };
        }

        foreach (var c in _containers.Values.Where(c => c.PodUid == podUid))
        {
            _containers.TryRemove(c.Status.Id, out _);
        }
    }

    public ValueTask<string> CreateContainerAsync(string sandboxId, ContainerConfig config, CancellationToken ct)
    {
        var sb = _sandboxes.TryGetValue(sandboxId, out var found) ? found : throw new ContainerStartException($"sandbox \"{sandboxId}\" not found");
        if (_createFailures.TryGetValue(config.Name, out var failure))
        {
            Record("Create " + config.Name);
            throw new ContainerStartException(failure);
        }

        var seq = Interlocked.Increment(ref _sequence);
        var id = $"c{seq}-{config.Name}";
        _containers[id] = new Instance(sb.PodUid, sandboxId, seq, config, new RuntimeContainerStatus
        {
            Id = id,
            Name = config.Name,
            State = RuntimeContainerState.Created,
            CreatedAt = time.GetUtcNow(),
            Hash = config.Hash,
            RestartCount = config.RestartCount,
            Image = config.Image,
            ImageRef = Images?.RefOf(config.Image) ?? "",
        });
        Record("Create " + config.Name);

        // As the process runtime: each instance gets its log file (the agent derives restart counts from them).
        Directory.CreateDirectory(Path.GetDirectoryName(config.LogPath)!);
        File.WriteAllText(config.LogPath, "");
        return ValueTask.FromResult(id);
    }

    public ValueTask StartContainerAsync(string containerId, CancellationToken ct)
    {
        var instance = _containers.TryGetValue(containerId, out var found) ? found : throw new ContainerStartException($"container \"{containerId}\" not found");
        var name = instance.Status.Name;
        var attempt = StartCount(name);
        Record("Start " + name);
        var message = _startFailures.GetValueOrDefault(name)
            ?? (_sandboxes.TryGetValue(instance.SandboxId, out var sb) && sb.Status.Ready ? null : $"sandbox \"{instance.SandboxId}\" is not ready");
        if (message is not null)
        {
            instance.Status = instance.Status with
            {
                State = RuntimeContainerState.Exited, ExitCode = 128, Reason = "StartError", Message = message,
                FinishedAt = time.GetUtcNow(),
            };
            _events.Writer.TryWrite(new ContainerEvent(instance.PodUid, containerId, name, ContainerEventType.Exited));
            throw new ContainerStartException(message);
        }

        instance.Behavior = _scripts.TryGetValue(name, out var script) ? script(attempt) : FakeBehavior.Run;
        instance.Status = instance.Status with { State = RuntimeContainerState.Running, StartedAt = time.GetUtcNow() };
        _events.Writer.TryWrite(new ContainerEvent(instance.PodUid, containerId, name, ContainerEventType.Started));
        if (instance.Behavior.ExitCode is { } code)
        {
            Finish(instance, code);
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask StopContainerAsync(string containerId, TimeSpan gracePeriod, CancellationToken ct)
    {
        if (!_containers.TryGetValue(containerId, out var instance) || instance.Status.State != RuntimeContainerState.Running)
        {
            return;
        }

        // The timer starts before the call is recorded, so a test that waits for the call and then advances the clock
        // always moves it past the timer.
        var exitsAfter = instance.Behavior.IgnoresSigterm ? gracePeriod : instance.Behavior.SigtermDelay ?? TimeSpan.Zero;
        var killed = gracePeriod <= TimeSpan.Zero || (exitsAfter >= gracePeriod && (instance.Behavior.IgnoresSigterm || instance.Behavior.SigtermDelay is not null));
        var exited = exitsAfter > TimeSpan.Zero ? Task.Delay(killed ? gracePeriod : exitsAfter, time, ct) : Task.CompletedTask;
        Record($"Stop {instance.Status.Name} {gracePeriod.TotalSeconds}s");
        await exited;
        Finish(instance, killed ? 137 : 143);
    }

    public ValueTask RemoveContainerAsync(string containerId, CancellationToken ct)
    {
        if (_containers.TryRemove(containerId, out var instance))
        {
            Record("Remove " + instance.Status.Name);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>How many snapshots the agent took (<see cref="GetPodStatus"/> calls).</summary>
    public int Snapshots => _snapshots;

    public RuntimePodStatus GetPodStatus(string podUid)
    {
        Interlocked.Increment(ref _snapshots);
        return new RuntimePodStatus
        {
            Uid = podUid,
            Sandboxes = _sandboxes.Values.Where(s => s.PodUid == podUid).OrderByDescending(s => s.Sequence).Select(s => s.Status).ToList(),
            Containers = _containers.Values.Where(c => c.PodUid == podUid).OrderByDescending(c => c.Sequence).Select(c => c.Status).ToList(),
        };
    }

    public IReadOnlyCollection<string> PodUids =>
        _sandboxes.Values.Select(s => s.PodUid).Concat(_containers.Values.Select(c => c.PodUid)).Distinct().ToList();

    /// <summary>Completes asynchronously, as a real exec does, and records the call when it has finished.</summary>
    public async ValueTask<ExecResult> ExecSyncAsync(string containerId, IReadOnlyList<string> argv, TimeSpan timeout, CancellationToken ct)
    {
        // Completes on the thread pool, never inline and never on the caller's synchronization context, as real
        // exec I/O does: hooks and probes must not rely on it finishing synchronously.
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        Record("Exec " + (_containers.TryGetValue(containerId, out var c) ? c.Status.Name : containerId));
        return new ExecResult(0, "", false);
    }

    private void Record(string call)
    {
        _calls.Enqueue(call);
        lock (_waiters)
        {
            var calls = Calls;
            foreach (var waiter in _waiters.Where(w => w.Done(calls)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Signal.TrySetResult();
            }
        }
    }

    private void Finish(Instance instance, int exitCode, bool publish = true)
    {
        lock (instance)
        {
            if (instance.Status.State != RuntimeContainerState.Running)
            {
                return;
            }

            instance.Status = instance.Status with
            {
                State = RuntimeContainerState.Exited,
                ExitCode = exitCode,
                Reason = exitCode == 0 ? ContainerReasons.Completed : ContainerReasons.Error,
                Message = instance.Behavior.ExitMessage,
                FinishedAt = time.GetUtcNow(),
            };
        }

        Record($"Exited {instance.Status.Name} {exitCode}");
        if (publish)
        {
            _events.Writer.TryWrite(new ContainerEvent(instance.PodUid, instance.Status.Id, instance.Status.Name, ContainerEventType.Exited));
        }
    }

    private sealed record Sandbox(string PodUid, RuntimeSandboxStatus Status, long Sequence);

    private sealed class Instance(string podUid, string sandboxId, long sequence, ContainerConfig config, RuntimeContainerStatus status)
    {
        public string PodUid { get; } = podUid;
        public string SandboxId { get; } = sandboxId;
        public long Sequence { get; } = sequence;
        public ContainerConfig Config { get; } = config;
        public RuntimeContainerStatus Status { get; set; } = status;
        public FakeBehavior Behavior { get; set; } = FakeBehavior.Run;
    }
}
