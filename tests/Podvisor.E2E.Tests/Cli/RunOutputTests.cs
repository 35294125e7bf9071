using Podvisor.Core.Model;
using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Cli;

/// <summary>
/// What <c>podvisor run</c> shows without a terminal (docs/contracts.md §1), on real runs: the containers' output on stderr as
/// <c>POD/CONTAINER | line</c> (instance number from the second on), one line per RestartAllContainers cycle with its
/// trigger and duration, CrashLoopBackOff with the last exit code and the next start, and stdout kept for the List.
/// </summary>
public sealed class RunOutputTests : IDisposable
{
    private const int SIGINT = 2;

    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("podvisor-e2e-output-");

    private string Manifest(string name, string yaml)
    {
        var path = Path.Combine(_scratch.FullName, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    [RootFact]
    public async Task MlWorkerShowsTheTrainingTheInPlaceRestartWithTriggerAndDurationAndTheResumeFromTheCheckpoint()
    {
        var result = await PodvisorCli.RunAsync("run", Repository.Example("ml-worker.yaml"));

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}; stderr:\n{result.Stderr}");
        Assert.Empty(result.Stdout);
        var lines = result.Stderr.Split('\n');
        Assert.Matches(@"^\d\d:\d\d:\d\d\.\d{3} default/ml-worker starting: setup-environment \(init\), watcher-sidecar \(sidecar\), main-application \(regular\)$", lines[0]);
        Assert.Contains("ml-worker/setup-environment | environment ready (setup run 1)", lines);
        Assert.Contains("ml-worker/main-application | trained step 5", lines);
        Assert.Contains("ml-worker/main-application | environment corrupted at step 5; waiting to be restarted", lines);
        Assert.Contains("ml-worker/watcher-sidecar | environment corrupt: requesting an in-place restart of every container", lines);
        Assert.Contains("ml-worker/setup-environment#2 | environment ready (setup run 2)", lines);
        Assert.Contains("ml-worker/main-application#2 | resuming from checkpoint step 5 with learning_rate=0.01 batch=64", lines);
        Assert.Contains("ml-worker/main-application#2 | training done", lines);
        Assert.DoesNotContain("ml-worker/main-application#2 | trained step 5", lines);
        var cycle = Assert.Single(lines, l => l.Contains(" default/ml-worker RestartAllContainers cycle", StringComparison.Ordinal));
        Assert.Matches(@" default/ml-worker RestartAllContainers cycle 1: trigger watcher-sidecar exit 88; every container running (\d+ms|\d+\.\d\ds) after the trigger exited \(restarted: setup-environment, watcher-sidecar, main-application\)$", cycle);
        Assert.Contains(lines, l => l.EndsWith(
            " event Normal Killing spec.containers{main-application}: Container main-application will be restarted in place: container \"watcher-sidecar\" exited with code 88 matching restartPolicyRules[0]",
            StringComparison.Ordinal));
    }

    [RootFact]
    public async Task WithOutputJsonTheContainerOutputStaysOnStderrAndDataDirKeepsTheCriLogs()
    {
        var data = Path.Combine(_scratch.FullName, "data");
        var path = Manifest("echo.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: echo}
            spec:
              restartPolicy: Never
              containers: [{name: c, image: busybox, command: ["sh", "-c", "echo to stdout; echo to stderr >&2"]}]
            """);

        var result = await PodvisorCli.RunAsync("run", path, "-o", "json", "--data-dir", data);

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}; stderr:\n{result.Stderr}");
        Assert.Equal(PodPhases.Succeeded, PodList.Parse(result.Stdout).Pod("echo").Status.Phase);
        Assert.Contains("\necho/c | to stdout\n", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("\necho/c | to stderr\n", result.Stderr, StringComparison.Ordinal);
        var log = Assert.Single(Directory.GetFiles(Path.Combine(data, "logs"), "0.log", SearchOption.AllDirectories));
        Assert.Matches(@"/logs/default_echo_[0-9a-f-]{36}/c/0\.log$", log);
        Assert.Matches(@"^\S+ stdout F to stdout\n", File.ReadAllText(log));
    }

    [RootFact]
    public async Task CrashLoopBackOffShowsTheLastExitAndTheNextStartAndSigintExits130WithTheFinalObjects()
    {
        var path = Manifest("crash.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: crash}
            spec:
              restartPolicy: Always
              containers: [{name: c, image: busybox, command: ["sh", "-c", "exit 3"]}]
            """);
        await using var cli = PodvisorCli.Start("run", path, "-o", "json");
        await cli.WaitForStderrLineAsync(
            l => System.Text.RegularExpressions.Regex.IsMatch(l, @" default/crash container c: Waiting: CrashLoopBackOff \(last exit 3, next start at \d\d:\d\d:\d\d\.\d{3}\) \(restarts \d+\)$"),
            "CrashLoopBackOff with the last exit and the next start");

        cli.Signal(SIGINT);
        var result = await cli.WaitForExitAsync();

        Assert.True(result.ExitCode == 130, $"exit {result.ExitCode}; stderr:\n{result.Stderr}");
        var pod = PodList.Parse(result.Stdout).Pod("crash");
        Assert.True(PodPhases.IsTerminal(pod.Status.Phase), pod.Status.Describe());
        Assert.Empty(Directory.EnumerateFileSystemEntries(cli.TempDir));
    }

    public void Dispose() => _scratch.Delete(recursive: true);
}
