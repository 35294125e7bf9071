using Podvisor.Core.Model;

namespace Podvisor.Runtime.Contract;

/// <summary>
/// The runtime contract suite: what <see cref="IContainerRuntime"/>'s doc comments promise, run against every backend
/// (docs/contracts.md §5). A deriving class opens its runtime, says how its containers exit, run or fail to start, and
/// carries a <see cref="RuntimeUnderTestAttribute"/>. Events are awaited under one overall deadline, never by sleeping.
/// </summary>
public abstract class RuntimeContractTests : IAsyncLifetime, IDisposable
{
    /// <summary>The one deadline of a case: every runtime call and every event wait shares it.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>The exit code of a container killed by SIGKILL.</summary>
    private const int SigkillExitCode = 137;

    private readonly CancellationTokenSource _deadline = new(Timeout);
    private EventLog _events = null!;
    private readonly List<string> _sandboxes = [];

    /// <summary>The open runtime instance (replaced by <see cref="ReopenAsync"/>).</summary>
    protected IContainerRuntime Runtime { get; private set; } = null!;

    protected string PodUid { get; } = Guid.NewGuid().ToString();

    protected string PodName => "contract-" + PodUid[..8];

    protected CancellationToken Deadline => _deadline.Token;

    private RuntimePodStatus Pod => Runtime.GetPodStatus(PodUid);

    /// <summary>The agent's data dir the runtime writes under (the pod's container logs go to <see cref="PodLogDirectory"/> in it).</summary>
    protected abstract string DataDir { get; }

    /// <summary>The pod's log directory, laid out as the kubelet's (namespace_name_uid).</summary>
    private string PodLogDirectory => Path.Combine(DataDir, "logs", $"default_{PodName}_{PodUid}");

    /// <summary>Opens a runtime instance; one opened after <see cref="CloseAsync"/> works on the state the closed one left.</summary>
    protected abstract Task<IContainerRuntime> OpenAsync(CancellationToken ct);

    /// <summary>Closes an instance without stopping its containers, as an agent that exits.</summary>
    protected abstract Task CloseAsync(IContainerRuntime runtime);

    /// <summary><paramref name="config"/> with a command that exits at once with <paramref name="exitCode"/>.</summary>
    protected abstract ContainerConfig ExitsWith(ContainerConfig config, int exitCode);

    /// <summary><paramref name="config"/> with a command that runs until it is stopped.</summary>
    protected abstract ContainerConfig RunsUntilStopped(ContainerConfig config);

    /// <summary><paramref name="config"/> with an executable that does not exist.</summary>
    protected abstract ContainerConfig MissingExecutable(ContainerConfig config);

    /// <summary>
    /// With no runtime instance open, SIGKILLs the container's process from outside the runtime and returns once it is
    /// dead. Only the adoption cases call it.
    /// </summary>
    protected virtual Task KillWhileClosedAsync(string containerId) =>
        throw new NotSupportedException("a runtime that adopts must kill a container while closed");

    public async Task InitializeAsync()
    {
        Runtime = await OpenAsync(Deadline);
        _events = new EventLog(Runtime.Events);
    }

    /// <summary>Stops and removes the case's sandboxes (and so its containers), then closes the runtime.</summary>
    public virtual async Task DisposeAsync()
    {
        using var cleanup = new CancellationTokenSource(Timeout);
        foreach (var id in _sandboxes)
        {
            await Runtime.StopPodSandboxAsync(id, cleanup.Token);
            await Runtime.RemovePodSandboxAsync(id, cleanup.Token);
        }

        await CloseAsync(Runtime);
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _deadline.Dispose();
        }
    }

    [ContractFact]
    public async Task ASandboxIsReadyUntilStoppedAndGoneFromTheSnapshotOnceRemoved()
    {
        var id = await SandboxAsync();

        var ready = Assert.Single(Pod.Sandboxes);
        Assert.Equal((id, true), (ready.Id, ready.Ready));
        Assert.Contains(PodUid, Runtime.PodUids);

        await Runtime.StopPodSandboxAsync(id, Deadline);
        Assert.False(Assert.Single(Pod.Sandboxes).Ready);

        await Runtime.RemovePodSandboxAsync(id, Deadline);
        Assert.Empty(Pod.Sandboxes);
        Assert.DoesNotContain(PodUid, Runtime.PodUids);
    }

    [ContractFact]
    public async Task AContainerIsCreatedThenItsExitCodeIsInTheSnapshotAndAnExitedEventFollowsStarted()
    {
        var sandboxId = await SandboxAsync();
        var id = await Runtime.CreateContainerAsync(sandboxId, ExitsWith(Config("app"), 3), Deadline);
        Assert.Equal(RuntimeContainerState.Created, Container(id).State);

        await Runtime.StartContainerAsync(id, Deadline);
        var exited = await ExitedAsync(id);

        Assert.Equal((RuntimeContainerState.Exited, 3, ContainerReasons.Error), (exited.State, exited.ExitCode, exited.Reason));
        Assert.NotNull(exited.StartedAt);
        Assert.NotNull(exited.FinishedAt);
        var events = _events.Seen.Where(e => e.ContainerId == id).ToList();
        Assert.Equal([ContainerEventType.Started, ContainerEventType.Exited], events.Select(e => e.Type));
        Assert.All(events, e => Assert.Equal((PodUid, "app"), (e.PodUid, e.Name)));
    }

    [ContractFact]
    public async Task AZeroExitIsCompleted()
    {
        var sandboxId = await SandboxAsync();

        var exited = await ExitedAsync(await StartAsync(sandboxId, ExitsWith(Config("app"), 0)));

        Assert.Equal((0, ContainerReasons.Completed), (exited.ExitCode, exited.Reason));
    }

    [ContractFact]
    public async Task AMissingExecutableFailsTheStartWithContainerStartExceptionAndLeavesTheInstanceExited128StartError()
    {
        var sandboxId = await SandboxAsync();
        var id = await Runtime.CreateContainerAsync(sandboxId, MissingExecutable(Config("app")), Deadline);

        await Assert.ThrowsAsync<ContainerStartException>(async () => await Runtime.StartContainerAsync(id, Deadline));

        var failed = Container(id);
        Assert.Equal((RuntimeContainerState.Exited, 128, "StartError"), (failed.State, failed.ExitCode, failed.Reason));
        Assert.Equal(failed, await ExitedAsync(id));
        Assert.DoesNotContain(_events.Seen, e => e.ContainerId == id && e.Type == ContainerEventType.Started);
    }

    [ContractFact]
    public async Task AContainerInAStoppedSandboxFailsWithContainerStartException()
    {
        var sandboxId = await SandboxAsync();
        await Runtime.StopPodSandboxAsync(sandboxId, Deadline);

        // At create (CRI) or at start (the process runtime): either way the agent sees a failed start.
        await Assert.ThrowsAsync<ContainerStartException>(async () => await StartAsync(sandboxId, RunsUntilStopped(Config("app"))));

        Assert.DoesNotContain(Pod.Containers, c => c.State is RuntimeContainerState.Running or RuntimeContainerState.Created);
    }

    [ContractFact]
    public async Task CreatingInAnUnknownSandboxOrStartingAnUnknownContainerFailsWithContainerStartException()
    {
        await Assert.ThrowsAsync<ContainerStartException>(async () => await Runtime.CreateContainerAsync(UnknownId(), RunsUntilStopped(Config("app")), Deadline));
        await Assert.ThrowsAsync<ContainerStartException>(async () => await Runtime.StartContainerAsync(UnknownId(), Deadline));

        Assert.Empty(Pod.Containers);
    }

    [ContractFact]
    public async Task StoppingARunningContainerReturnsOnceTheSnapshotShowsItExited()
    {
        var sandboxId = await SandboxAsync();
        var id = await StartAsync(sandboxId, RunsUntilStopped(Config("app")));
        await WaitForAsync(id, ContainerEventType.Started);

        await Runtime.StopContainerAsync(id, TimeSpan.Zero, Deadline);

        // A zero grace period is SIGKILL at once.
        Assert.Equal((RuntimeContainerState.Exited, SigkillExitCode), (Container(id).State, Container(id).ExitCode));
        await WaitForAsync(id, ContainerEventType.Exited);
    }

    [ContractFact]
    public async Task StoppingAnExitedContainerIsANoOp()
    {
        var sandboxId = await SandboxAsync();
        var id = await StartAsync(sandboxId, ExitsWith(Config("app"), 3));
        var exited = await ExitedAsync(id);

        await Runtime.StopContainerAsync(id, TimeSpan.FromSeconds(1), Deadline);
        await Runtime.StopContainerAsync(id, TimeSpan.Zero, Deadline);

        Assert.Equal(exited, Container(id));
    }

    [ContractFact]
    public async Task ARemovedContainerAndARemovedSandboxWithItsContainersAreGoneFromTheSnapshot()
    {
        var sandboxId = await SandboxAsync();
        var done = await StartAsync(sandboxId, ExitsWith(Config("done"), 0));
        await ExitedAsync(done);
        var running = await StartAsync(sandboxId, RunsUntilStopped(Config("running")));

        await Runtime.RemoveContainerAsync(done, Deadline);
        Assert.Equal([running], Pod.Containers.Select(c => c.Id));

        await Runtime.StopPodSandboxAsync(sandboxId, Deadline);
        Assert.Equal(RuntimeContainerState.Exited, Container(running).State);
        await Runtime.RemovePodSandboxAsync(sandboxId, Deadline);
        Assert.Empty(Pod.Sandboxes);
        Assert.Empty(Pod.Containers);
        Assert.DoesNotContain(PodUid, Runtime.PodUids);
    }

    [ContractFact]
    public async Task RemovingARunningContainer_ForgetsIt_AndItsSandboxStillStopsAndGoes()
    {
        var sandboxId = await SandboxAsync();
        var id = await StartAsync(sandboxId, RunsUntilStopped(Config("app")));
        await WaitForAsync(id, ContainerEventType.Started);

        await Runtime.RemoveContainerAsync(id, Deadline);

        Assert.Empty(Pod.Containers);
        await Runtime.StopPodSandboxAsync(sandboxId, Deadline);
        await Runtime.RemovePodSandboxAsync(sandboxId, Deadline);
        Assert.DoesNotContain(PodUid, Runtime.PodUids);
    }

    [ContractFact]
    public async Task StoppingOrRemovingARemovedOrUnknownIdIsANoOp()
    {
        var sandboxId = await SandboxAsync();
        var id = await StartAsync(sandboxId, ExitsWith(Config("app"), 0));
        await ExitedAsync(id);
        await Runtime.RemoveContainerAsync(id, Deadline);
        await Runtime.StopPodSandboxAsync(sandboxId, Deadline);
        await Runtime.RemovePodSandboxAsync(sandboxId, Deadline);
        var unknown = UnknownId();

        foreach (var gone in new[] { id, unknown })
        {
            await Runtime.StopContainerAsync(gone, TimeSpan.Zero, Deadline);
            await Runtime.RemoveContainerAsync(gone, Deadline);
        }

        foreach (var gone in new[] { sandboxId, unknown })
        {
            await Runtime.StopPodSandboxAsync(gone, Deadline);
            await Runtime.RemovePodSandboxAsync(gone, Deadline);
        }

        Assert.Empty(Pod.Sandboxes);
        Assert.Empty(Pod.Containers);
    }

    [ContractFact]
    public async Task NoEventIsDeliveredBeforeTheSnapshotShowsItsStep()
    {
        var sandboxId = await SandboxAsync();
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(await StartAsync(sandboxId, ExitsWith(Config($"exits-{i}"), i)));
        }

        var stopped = await StartAsync(sandboxId, RunsUntilStopped(Config("stopped")));
        var stop = Runtime.StopContainerAsync(stopped, TimeSpan.Zero, Deadline).AsTask();
        ids.Add(stopped);

        // Each event is checked against the snapshot taken the moment it is read.
        var exits = new HashSet<string>();
        while (!exits.IsSupersetOf(ids))
        {
            var e = await _events.ReadAsync(Deadline);
            if (e.PodUid != PodUid)
            {
                continue; // another case's pod on a shared backend
            }

            var state = Pod.Containers.Single(c => c.Id == e.ContainerId).State;
            Assert.Contains(state, e.Type == ContainerEventType.Exited
                ? [RuntimeContainerState.Exited]
                : new[] { RuntimeContainerState.Running, RuntimeContainerState.Exited });
            if (e.Type == ContainerEventType.Exited)
            {
                exits.Add(e.ContainerId);
            }
        }

        await stop;
        Assert.Equal(Enumerable.Range(0, 4), ids.Take(4).Select(id => Container(id).ExitCode));
    }

    [ContractFact(NeedsAdoption = true)]
    public async Task ANewRuntimeInstanceAdoptsARunningContainerWithTheSameIdWithoutRestartingIt()
    {
        var sandboxId = await SandboxAsync();
        var id = await StartAsync(sandboxId, RunsUntilStopped(Config("app") with { RestartCount = 2 }));
        await WaitForAsync(id, ContainerEventType.Started);
        var before = Container(id);

        await ReopenAsync(() => Task.CompletedTask);

        Assert.Equal((sandboxId, true), (Assert.Single(Pod.Sandboxes).Id, Pod.Sandboxes[0].Ready));
        Assert.Equal(before, Container(id));
        Assert.Equal((RuntimeContainerState.Running, 2), (Container(id).State, Container(id).RestartCount));
        await Runtime.StopContainerAsync(id, TimeSpan.Zero, Deadline);
        Assert.Equal(SigkillExitCode, (await ExitedAsync(id)).ExitCode);
    }

    [ContractFact(NeedsAdoption = true)]
    public async Task AnExitWhileNoRuntimeInstanceWasOpenIsReportedWithItsExitCodeByTheNext()
    {
        var sandboxId = await SandboxAsync();
        var id = await StartAsync(sandboxId, RunsUntilStopped(Config("app")));
        await WaitForAsync(id, ContainerEventType.Started);
        var startedAt = Container(id).StartedAt;

        await ReopenAsync(() => KillWhileClosedAsync(id));
        var exited = await ReportedExitedAsync(id);

        Assert.Equal((SigkillExitCode, startedAt), (exited.ExitCode, exited.StartedAt));
        Assert.NotNull(exited.FinishedAt);
    }

    /// <summary>A config of this case's pod, for a backend factory to give a command (and image).</summary>
    protected ContainerConfig Config(string name) => new()
    {
        Name = name,
        Kind = ContainerKind.Regular,
        Hash = "hash-" + name,
        Argv = [],
        LogPath = Path.Combine(PodLogDirectory, name, "0.log"),
    };

    /// <summary>An id no runtime knows, shaped as the real ones (64 hex digits).</summary>
    private static string UnknownId() => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

    private async Task<string> SandboxAsync()
    {
        var id = await Runtime.RunPodSandboxAsync(new PodSandboxConfig { PodUid = PodUid, Name = PodName, Namespace = "default", LogDirectory = PodLogDirectory }, Deadline);
        _sandboxes.Add(id);
        return id;
    }

    private async Task<string> StartAsync(string sandboxId, ContainerConfig config)
    {
        var id = await Runtime.CreateContainerAsync(sandboxId, config, Deadline);
        await Runtime.StartContainerAsync(id, Deadline);
        return id;
    }

    private RuntimeContainerStatus Container(string id) => Pod.Containers.Single(c => c.Id == id);

    /// <summary>Closes the runtime, runs <paramref name="whileClosed"/>, and opens a new instance (an agent restart).</summary>
    private async Task ReopenAsync(Func<Task> whileClosed)
    {
        await CloseAsync(Runtime);
        await whileClosed();
        Runtime = await OpenAsync(Deadline);
        _events = new EventLog(Runtime.Events);
    }

    private Task<ContainerEvent> WaitForAsync(string containerId, ContainerEventType type) => _events.WaitForAsync(containerId, type, Deadline);

    /// <summary>The container's status once its Exited event was read.</summary>
    private async Task<RuntimeContainerStatus> ExitedAsync(string containerId)
    {
        await WaitForAsync(containerId, ContainerEventType.Exited);
        return Container(containerId);
    }

    /// <summary>
    /// The container's status once the snapshot shows it Exited, reading events until it does: a new instance may show
    /// an exit that happened before it opened at once, without an event (see <see cref="IContainerRuntime.Events"/>).
    /// </summary>
    private async Task<RuntimeContainerStatus> ReportedExitedAsync(string containerId)
    {
        while (Container(containerId).State != RuntimeContainerState.Exited)
        {
            await _events.ReadAsync(Deadline);
        }

        return Container(containerId);
    }
}
