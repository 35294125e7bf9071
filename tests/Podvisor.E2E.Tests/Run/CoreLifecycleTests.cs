using Podvisor.Core.Model;
using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Run;

/// <summary>
/// docs/scenarios.md CL-02, CL-03, CL-05, CL-09 with real processes: init ordering, init failure, sidecar termination
/// order and sidecars keeping a pod Running. A container that the test must observe while it runs waits for a
/// <c>go</c> file the test writes into its emptyDir, instead of sleeping.
/// </summary>
public sealed class CoreLifecycleTests : AgentTest
{
    [RootFact]
    public async Task CL_02_InitContainersRunOneAfterAnother()
    {
        var pod = await RunAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: cl-02}
            spec:
              initContainers:
              - {name: a, image: busybox, command: ["/bin/sh", "-c", "until [ -f /d/go ]; do sleep 0.05; done"], volumeMounts: [{name: d, mountPath: /d}]}
              - {name: b, image: busybox, command: ["true"]}
              containers:
              - {name: c, image: busybox, command: ["sleep", "3600"]}
              volumes: [{name: d, emptyDir: {}}]
            """);

        var initializing = await pod.WaitForAsync(s => s.IsRunning("a"), "a Running");
        Assert.Equal(PodPhases.Pending, initializing.Phase);
        var condition = initializing.Condition(PodConditions.Initialized);
        Assert.Equal("False", condition?.Status);
        Assert.Equal(PodConditions.ContainersNotInitialized, condition?.Reason);
        Assert.Equal("containers with incomplete status: [a b]", condition?.Message);
        await File.WriteAllTextAsync(Path.Combine(pod.EmptyDir("d"), "go"), "");

        var running = await pod.WaitForRunningAsync(0, "c");

        Assert.Equal(PodPhases.Running, running.Phase);
        Assert.Equal("True", running.Condition(PodConditions.Initialized)?.Status);
        Assert.Equal(["a", "b", "c"], pod.StartOrder);
        Assert.All(pod.History.Where(s => s.Of("b")?.State?.Waiting is null), s => Assert.Equal(0, s.Container("a").State.Terminated?.ExitCode));
        Assert.All(pod.History.Where(s => s.Of("c")?.State?.Waiting is null), s => Assert.Equal(0, s.Container("b").State.Terminated?.ExitCode));
    }

    [RootFact]
    public async Task CL_03_InitFailureUnderNeverFailsThePod()
    {
        var pod = await RunAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: cl-03}
            spec:
              restartPolicy: Never
              initContainers: [{name: a, image: busybox, command: ["/bin/sh", "-c", "exit 1"]}]
              containers: [{name: c, image: busybox, command: ["sleep", "3600"]}]
            """);

        var failed = await pod.WaitForPhaseAsync(PodPhases.Failed);

        Assert.Equal(1, failed.Container("a").State.Terminated?.ExitCode);
        Assert.Equal(ContainerReasons.PodInitializing, failed.Container("c").State.Waiting?.Reason);
        Assert.Equal(["a"], pod.StartOrder);
    }

    [RootFact]
    public async Task CL_05_SidecarsStopInReverseOrderAfterTheMainContainer()
    {
        const string sidecar = """{image: busybox, restartPolicy: Always, command: ["/bin/sh", "-c", "trap 'sleep 0.2; exit 1' TERM; while true; do sleep 0.1; done"]}""";
        var pod = await RunAsync($$$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: cl-05}
            spec:
              restartPolicy: Never
              initContainers:
              - {name: restartable-init-1, {{{sidecar[1..]}}}
              - {name: restartable-init-2, {{{sidecar[1..]}}}
              - {name: restartable-init-3, {{{sidecar[1..]}}}
              containers:
              - {name: regular-1, image: busybox, command: ["/bin/sh", "-c", "until [ -f /d/go ]; do sleep 0.05; done"], volumeMounts: [{name: d, mountPath: /d}]}
              volumes: [{name: d, emptyDir: {}}]
            """);
        await pod.WaitForRunningAsync(0, "regular-1");
        await File.WriteAllTextAsync(Path.Combine(pod.EmptyDir("d"), "go"), "");

        var succeeded = await pod.WaitForPhaseAsync(PodPhases.Succeeded);

        Assert.Equal(["restartable-init-1", "restartable-init-2", "restartable-init-3", "regular-1"], pod.StartOrder);
        var stops = pod.Calls.Where(c => c.Kind is RuntimeCallKind.StopBegin or RuntimeCallKind.StopEnd).Select(c => $"{c.Kind} {c.Name}").ToList();
        Assert.Equal([
            "StopBegin restartable-init-3", "StopEnd restartable-init-3",
            "StopBegin restartable-init-2", "StopEnd restartable-init-2",
            "StopBegin restartable-init-1", "StopEnd restartable-init-1"], stops);
        Assert.Equal(0, succeeded.Container("regular-1").State.Terminated?.ExitCode);
        Assert.All(new[] { 1, 2, 3 }, i => Assert.Equal(1, succeeded.Container($"restartable-init-{i}").State.Terminated?.ExitCode));
    }

    [RootTheory]
    [InlineData(0, PodPhases.Succeeded)]
    [InlineData(1, PodPhases.Failed)]
    public async Task CL_09_SidecarKeepsThePodRunningUntilTheMainContainerFinishes(int exitCode, string phase)
    {
        var pod = await RunAsync($$$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: cl-09}
            spec:
              restartPolicy: Never
              initContainers: [{name: s, image: busybox, restartPolicy: Always, command: ["sleep", "3600"]}]
              containers:
              - {name: main, image: busybox, command: ["/bin/sh", "-c", "until [ -f /d/go ]; do sleep 0.05; done; exit {{{exitCode}}}"], volumeMounts: [{name: d, mountPath: /d}]}
              volumes: [{name: d, emptyDir: {}}]
            """);
        var running = await pod.WaitForRunningAsync(0, "main", "s");
        Assert.Equal(PodPhases.Running, running.Phase);
        await File.WriteAllTextAsync(Path.Combine(pod.EmptyDir("d"), "go"), "");

        var terminal = await pod.WaitForAsync(s => PodPhases.IsTerminal(s.Phase), "a terminal phase");

        Assert.Equal(phase, terminal.Phase);
        Assert.Equal(exitCode, terminal.Container("main").State.Terminated?.ExitCode);
        Assert.NotNull(terminal.Container("s").State.Terminated);
        Assert.Single(pod.Calls, c => c.Kind == RuntimeCallKind.StopBegin && c.Name == "s");
        Assert.Contains(pod.EventsWith(EventReasons.Killing, "s"), e => e.Message == "Stopping container s");
    }
}
