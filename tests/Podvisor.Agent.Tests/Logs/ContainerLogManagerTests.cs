using k8s.Models;
using Podvisor.Agent.Logs;
using Podvisor.Core.Model;
using Podvisor.Node.Abstractions;

namespace Podvisor.Agent.Tests.Logs;

/// <summary>The log layout, which instance a log request reads, restart-count recovery and pruning.</summary>
public sealed class ContainerLogManagerTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("podvisor-logs-").FullName;
    private readonly ContainerLogManager _logs;

    public ContainerLogManagerTests() => _logs = new ContainerLogManager(_dataDir);

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public void AnInstanceLogsToDataLogsNamespaceNameUidContainerRestartCount() =>
        Assert.Equal(Path.Combine(_dataDir, "logs", "ns_web_u1", "main", "3.log"), _logs.ContainerLog(Pod(), "main", 3));

    [Fact]
    public void TheNewestInstanceIsTheHighestRestartCount()
    {
        var pod = Pod(Running());
        Write(pod, 0, 2, 10);

        Assert.Equal(new PodLogFile(_logs.ContainerLog(pod, "main", 10), 10), _logs.Find(pod, "main", previous: false));
        Assert.True(_logs.HasNewerInstance(pod, "main", 2));
        Assert.False(_logs.HasNewerInstance(pod, "main", 10));
    }

    [Theory]
    [InlineData(null, "ContainerCreating")]
    [InlineData("ErrImagePull", "ErrImagePull")]
    public void WithoutALogTheContainerIsWaitingToStart(string? waitingReason, string shown)
    {
        var pod = Pod(new V1ContainerStatus { Name = "main", State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = waitingReason } } });

        Assert.Equal(new PodLogUnavailable($"container \"main\" in pod \"web\" is waiting to start: {shown}"), _logs.Find(pod, "main", previous: false));
    }

    [Fact]
    public void PreviousIsTheInstanceBeforeARunningOne()
    {
        var pod = Pod(Running(lastTerminated: true));
        Write(pod, 0, 1);

        Assert.Equal(new PodLogFile(_logs.ContainerLog(pod, "main", 0), 0), _logs.Find(pod, "main", previous: true));
    }

    [Fact]
    public void PreviousIsTheNewestInstanceWhileTheContainerWaitsToRestart()
    {
        var pod = Pod(new V1ContainerStatus
        {
            Name = "main",
            State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "CrashLoopBackOff" } },
            LastState = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 1 } },
        });
        Write(pod, 0, 1);

        Assert.Equal(new PodLogFile(_logs.ContainerLog(pod, "main", 1), 1), _logs.Find(pod, "main", previous: true));
    }

    [Theory]
    [InlineData(false, 2)] // no lastState.terminated
    [InlineData(true, 1)] // only the running instance has a log
    public void WithoutATerminatedInstancePreviousIsNotFound(bool lastTerminated, int files)
    {
        var pod = Pod(Running(lastTerminated));
        Write(pod, [.. Enumerable.Range(0, files)]);

        Assert.Equal(new PodLogUnavailable("previous terminated container \"main\" in pod \"web\" not found"), _logs.Find(pod, "main", previous: true));
    }

    [Fact]
    public void TheRestartCountFollowsTheNewestRuntimeInstanceElseTheNewestLog()
    {
        var pod = Pod();
        var observed = RuntimePodStatus.Empty("u1");
        Assert.Equal(0, _logs.NextRestartCount(pod, "main", observed));

        Write(pod, 0, 4);
        Assert.Equal(5, _logs.NextRestartCount(pod, "main", observed));

        var instance = new RuntimeContainerStatus { Id = "c", Name = "main", State = RuntimeContainerState.Exited, CreatedAt = DateTimeOffset.UnixEpoch, RestartCount = 7 };
        Assert.Equal(8, _logs.NextRestartCount(pod, "main", observed with { Containers = [instance] }));
    }

    [Fact]
    public void PruningKeepsTheCurrentAndThePreviousInstanceLog()
    {
        var pod = Pod();
        Write(pod, 0, 1, 2, 3);
        var rotated = _logs.ContainerLog(pod, "main", 1) + ".20260101-000000";
        File.WriteAllText(rotated, "");

        _logs.PruneOldInstances(pod, "main", 3);

        Assert.Equal(["2.log", "3.log"], Directory.GetFiles(Path.GetDirectoryName(rotated)!).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void ADeletedPodsLogsGoAndAnOrphansGoByUid()
    {
        var pod = Pod();
        var other = Pod();
        other.Metadata.Uid = "u2";
        Write(pod, 0);
        Write(other, 0);

        _logs.RemovePod(pod);
        Assert.False(File.Exists(_logs.ContainerLog(pod, "main", 0)));
        Assert.True(File.Exists(_logs.ContainerLog(other, "main", 0)));

        _logs.RemoveOrphan("u2");
        Assert.Empty(Directory.GetDirectories(Path.Combine(_dataDir, "logs")));
    }

    private void Write(V1Pod pod, params int[] restartCounts)
    {
        foreach (var n in restartCounts)
        {
            var path = _logs.ContainerLog(pod, "main", n);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "");
        }
    }

    private static V1ContainerStatus Running(bool lastTerminated = false) => new()
    {
        Name = "main",
        State = new V1ContainerState { Running = new V1ContainerStateRunning() },
        LastState = lastTerminated ? new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 1 } } : new V1ContainerState(),
    };

    private static V1Pod Pod(params V1ContainerStatus[] statuses) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "ns", Uid = "u1" },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "main" }] },
        Status = new V1PodStatus { ContainerStatuses = statuses },
    };
}
