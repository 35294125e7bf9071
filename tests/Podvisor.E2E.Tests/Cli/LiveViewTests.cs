using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Cli;

/// <summary>
/// The live view of <c>podvisor run</c> on a real pseudo-terminal: the pod table, the log pane with the containers'
/// newest lines, the last RestartAllContainers cycle with its trigger and duration and the ↻ marks, the <c>r</c> key
/// (a requested cycle) and Ctrl-C (exit 130 after the pods are deleted).
/// </summary>
public sealed class LiveViewTests
{
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
        var manifest = Path.Combine(Path.GetTempPath(), $"podvisor-e2e-sleeper-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(manifest, """
            apiVersion: v1
            kind: Pod
            metadata: {name: sleeper}
            spec:
              containers: [{name: c, image: busybox, command: ["sh", "-c", "echo up; exec sleep 3600"]}]
            """);
        try
        {
            await using var terminal = PseudoTerminal.Start("run", manifest);
            await terminal.WaitForAsync("sleeper/c | up");

            await terminal.TypeAsync("r");
            await terminal.WaitForAsync("RestartAllContainers cycle 1: trigger requested; every container running");
            await terminal.WaitForAsync("sleeper/c#2 | up");

            await terminal.TypeAsync("\u0003");
            Assert.Equal(130, await terminal.WaitForExitAsync());
        }
        finally
        {
            File.Delete(manifest);
        }
    }
}
