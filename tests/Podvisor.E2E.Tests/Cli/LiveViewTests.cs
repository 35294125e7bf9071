using System.Text.RegularExpressions;
using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Cli;

/// <summary>
/// The live view of <c>podvisor run</c> on a real pseudo-terminal: the pod table, the log pane with the containers'
/// newest lines, the last RestartAllContainers cycle with its trigger and duration and the ↻ marks, the <c>r</c> key
/// (a requested cycle), Ctrl-C (exit 130 after the pods are deleted), the "starting" rows of the first frame and a
/// CrashLoopBackOff row with its last exit code and the time to the next start.
/// </summary>
public sealed class LiveViewTests
{
    [PseudoTerminalFact]
    public async Task TheFirstFrameShowsEveryContainerStartingBeforeAnyRuns()
    {
        await using var manifest = TempManifest.Write("""
            apiVersion: v1
            kind: Pod
            metadata: {name: starter}
            spec:
              restartPolicy: Never
              initContainers: [{name: setup, image: busybox, command: ["sh", "-c", "echo set up"]}]
              containers: [{name: app, image: busybox, command: ["sh", "-c", "echo up"]}]
            """);
        await using var terminal = PseudoTerminal.Start("run", manifest.Path);

        await terminal.WaitForAsync("starter/app | up");

        var screen = terminal.Screen;
        var firstRunning = screen.IndexOf("Running", StringComparison.Ordinal);
        foreach (var (container, kind) in new[] { ("setup", "init"), ("app", "regular") })
        {
            var row = Regex.Match(screen, $@"│ {container}\s+│ {kind}\s+│ starting\s+│");
            Assert.True(row.Success && (firstRunning < 0 || row.Index < firstRunning), $"no \"starting\" row for {container} before the first Running:\n{screen}");
        }

        Assert.Equal(0, await terminal.WaitForExitAsync());
    }

    [PseudoTerminalFact]
    public async Task ACrashLoopBackOffRowShowsTheLastExitCodeAndTheTimeToTheNextStart()
    {
        await using var manifest = TempManifest.Write("""
            apiVersion: v1
            kind: Pod
            metadata: {name: crasher}
            spec:
              containers: [{name: c, image: busybox, command: ["sh", "-c", "echo crashing; exit 3"]}]
            """);
        await using var terminal = PseudoTerminal.Start("run", manifest.Path);

        // The kubelet's first back-off is 10 s: the countdown starts at most there.
        await terminal.WaitForAsync("crasher/c | crashing");
        await terminal.WaitForAsync("Waiting: CrashLoopBackOff (last exit 3, next start in ");
        Assert.Matches(@"Waiting: CrashLoopBackOff \(last exit 3, next start in ([0-9]|10)s\)", terminal.Screen);

        await terminal.TypeAsync("\u0003");
        Assert.Equal(130, await terminal.WaitForExitAsync());
    }

    [PseudoTerminalFact]
    public async Task MlWorkerShowsTheOutputPaneAndTheCycleWithItsTriggerAndDuration()
    {
        await using var terminal = PseudoTerminal.Start("run", Repository.Example("ml-worker.yaml"));

        await terminal.WaitForAsync("default/ml-worker");
        await terminal.WaitForAsync("ml-worker/main-application | trained step 5");
        await terminal.WaitForAsync("RestartAllContainers cycle 1: trigger watcher-sidecar exit 88; every container running");
        await terminal.WaitForAsync("ml-worker/main-application#2 | resuming from checkpoint step 5 with learning_rate=0.01 batch=64");
        await terminal.WaitForAsync("↻1");
        await terminal.WaitForAsync("ml-worker/main-application#2 | training done");

        Assert.Equal(0, await terminal.WaitForExitAsync());
    }

    [PseudoTerminalFact]
    public async Task RRestartsThePodInPlaceAndCtrlCDeletesItAndExits130()
    {
        await using var manifest = TempManifest.Write("""
            apiVersion: v1
            kind: Pod
            metadata: {name: sleeper}
            spec:
              containers: [{name: c, image: busybox, command: ["sh", "-c", "echo up; exec sleep 3600"]}]
            """);
        await using var terminal = PseudoTerminal.Start("run", manifest.Path);
        await terminal.WaitForAsync("sleeper/c | up");

        await terminal.TypeAsync("r");
        await terminal.WaitForAsync("RestartAllContainers cycle 1: trigger requested; every container running");
        await terminal.WaitForAsync("sleeper/c#2 | up");

        await terminal.TypeAsync("\u0003");
        Assert.Equal(130, await terminal.WaitForExitAsync());
    }
}

/// <summary>A manifest in a temporary file, deleted on dispose.</summary>
internal sealed class TempManifest : IAsyncDisposable
{
    private TempManifest(string path) => Path = path;

    public string Path { get; }

    public static TempManifest Write(string yaml)
    {
        var manifest = new TempManifest(System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"podvisor-e2e-{Guid.NewGuid():N}.yaml"));
        File.WriteAllText(manifest.Path, yaml);
        return manifest;
    }

    public ValueTask DisposeAsync()
    {
        File.Delete(Path);
        return ValueTask.CompletedTask;
    }
}
