using k8s.Models;
using Podvisor.Core.Model;
using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Run;

/// <summary>
/// Every example in examples/ through the real CLI (<c>podvisor run FILE -o json</c>): exit 0, the pod Succeeded,
/// restart counts as the example intends, stdout one v1 List, and the temporary data dir removed. What only the
/// containers' output shows (the ML worker resuming from its checkpoint) is read from the logs of the same file run
/// in process, before the pod is deleted.
/// </summary>
public sealed class ExampleTests : AgentTest
{
    private static async Task<V1Pod> RunExampleAsync(string file, string name, Action<PodList>? checkList = null)
    {
        await using var cli = PodvisorCli.Start("run", Repository.Example(file), "-o", "json");
        var result = await cli.WaitForExitAsync();

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}; stderr:\n{result.Stderr}");
        var list = PodList.Parse(result.Stdout);
        var pod = list.Pod(name);
        Assert.Equal(PodPhases.Succeeded, pod.Status.Phase);
        Assert.Single(list.EventsWith(EventReasons.Scheduled));
        checkList?.Invoke(list);
        Assert.Empty(Directory.EnumerateFileSystemEntries(cli.TempDir));
        return pod;
    }

    [RootFact]
    public async Task MlWorkerRestartsEveryContainerOnceInPlaceAndResumesTraining()
    {
        PodList? events = null;
        var pod = await RunExampleAsync("ml-worker.yaml", "ml-worker", l => events = l);

        Assert.All(pod.Status.AllContainers(), c => Assert.Equal(1, c.RestartCount));
        Assert.All(pod.Status.AllContainers(), c => Assert.Equal(ContainerReasons.RestartingAllContainers, c.LastState?.Terminated?.Reason));
        var restartAll = Assert.Single(events!.EventsWith(EventReasons.RestartAllContainers));
        Assert.Equal("container \"watcher-sidecar\" exited with code 88 matching restartPolicyRules[0]; restarting all containers in place", restartAll.Message);
        Assert.All(new[] { "setup-environment", "watcher-sidecar", "main-application" }, c => Assert.Equal(2, events.Count(EventReasons.Started, c)));
        var setup = pod.Status.Container("setup-environment").State.Terminated;
        Assert.Equal((0, ContainerReasons.Completed), (setup.ExitCode, setup.Reason));
        var main = pod.Status.Container("main-application").State.Terminated;
        Assert.Equal((0, ContainerReasons.Completed), (main.ExitCode, main.Reason));
        Assert.Equal(PodConditions.PodCompleted, pod.Status.Condition(PodConditions.AllContainersRestarting)?.Reason);
        Assert.NotNull(pod.Status.PodIP);
    }

    /// <summary>The file's ConfigMap and Secret reach the pod: it exits 1 without its token, and reads EPOCHS from envFrom.</summary>
    [RootFact]
    public async Task ConfiguredTrainerReadsItsConfigMapSecretAndDownwardApiFromTheFile()
    {
        var pod = await RunExampleAsync("configured-trainer.yaml", "configured-trainer");

        var trainer = pod.Status.Container("trainer").State.Terminated;
        Assert.Equal((0, ContainerReasons.Completed), (trainer.ExitCode, trainer.Reason));
    }

    [RootFact]
    public async Task RerunInitRunsTheInitContainerAgainAndTheAppSucceeds()
    {
        PodList? list = null;
        var pod = await RunExampleAsync("rerun-init.yaml", "rerun-init", l => list = l);

        Assert.Equal(1, pod.Status.RestartCount("fetch-credentials"));
        Assert.Equal(1, pod.Status.RestartCount("app"));
        Assert.Equal(0, pod.Status.Container("app").State.Terminated?.ExitCode);
        Assert.Equal(2, list!.Count(EventReasons.Started, "fetch-credentials"));
        Assert.Contains("exited with code 77", Assert.Single(list.EventsWith(EventReasons.RestartAllContainers)).Message, StringComparison.Ordinal);
    }

    [RootFact]
    public async Task TaskLoopProcessesTwentyItemsInTwentyInPlaceCycles()
    {
        PodList? list = null;
        var pod = await RunExampleAsync("task-loop.yaml", "task-loop", l => list = l);

        Assert.Equal(20, pod.Status.RestartCount("worker"));
        Assert.Equal(20, pod.Status.RestartCount("fill-queue"));
        Assert.Equal(0, pod.Status.Container("worker").State.Terminated?.ExitCode);
        Assert.Equal(20, list!.Count(EventReasons.RestartAllContainers));
        Assert.Equal(21, list.Count(EventReasons.Started, "worker"));
    }

    [RootFact]
    public async Task RestartRulesRetriesRetriableExitsWithBackoffAndSucceeds()
    {
        PodList? list = null;
        var pod = await RunExampleAsync("restart-rules.yaml", "restart-rules", l => list = l);

        Assert.Equal(2, pod.Status.RestartCount("downloader"));
        Assert.Equal(1, pod.Status.RestartCount("trainer"));
        Assert.Equal(75, pod.Status.Container("downloader").LastState?.Terminated?.ExitCode);
        Assert.Equal(3, pod.Status.Container("trainer").LastState?.Terminated?.ExitCode);
        Assert.All(pod.Status.ContainerStatuses, c => Assert.Equal(0, c.State.Terminated?.ExitCode));
        Assert.NotEmpty(list!.EventsWith(EventReasons.BackOff, "downloader"));
        Assert.Empty(list.EventsWith(EventReasons.RestartAllContainers));
    }

    [RootFact]
    public async Task MlWorkerResumesFromItsCheckpointAfterTheInPlaceRestart()
    {
        var pod = await RunAsync(await File.ReadAllTextAsync(Repository.Example("ml-worker.yaml")));

        await pod.WaitForPhaseAsync(PodPhases.Succeeded);

        var firstRun = pod.Log("main-application", 0);
        var secondRun = pod.Log("main-application", 1);
        Assert.Contains("environment corrupted at step 5", firstRun, StringComparison.Ordinal);
        Assert.StartsWith("resuming from checkpoint step 5 with learning_rate=0.01 batch=64\ntrained step 6\n", secondRun, StringComparison.Ordinal);
        Assert.EndsWith("trained step 10\ntraining done\n", secondRun, StringComparison.Ordinal);
        Assert.Equal("environment ready (setup run 2)\n", pod.Log("setup-environment", 1));
    }
}
