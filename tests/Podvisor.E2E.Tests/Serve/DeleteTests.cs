using System.Diagnostics;
using System.Globalization;
using Podvisor.E2E.Tests.Api;

namespace Podvisor.E2E.Tests.Serve;

/// <summary><c>kubectl delete pod</c> against serve: graceful termination of real processes, and force deletion.</summary>
[Collection(ServeCollection.Name)]
public sealed class DeleteTests
{
    // Both print the shell's pid: "$$$$" is the shell's $$, as Kubernetes expands "$$" in commands to "$".

    /// <summary>Its SIGTERM handler says "stopping" and exits only when the test opens the gate <c>stop</c>.</summary>
    private const string Graceful = """
        apiVersion: v1
        kind: Pod
        metadata: {name: graceful}
        spec:
          containers:
          - name: main
            image: busybox
            command: [sh, -c]
            args:
            - |
              trap 'echo stopping; while [ ! -f /gate/stop ]; do sleep 0.1; done; echo stopped; exit 0' TERM
              echo "pid $$$$"
              sleep 3600 & wait
            volumeMounts: [{name: gate, mountPath: /gate}]
          volumes: [{name: gate, hostPath: {path: GATE}}]
        """;

    /// <summary>Ignores SIGTERM: only SIGKILL stops it.</summary>
    private const string Stubborn = """
        apiVersion: v1
        kind: Pod
        metadata: {name: stubborn}
        spec:
          containers:
          - name: main
            image: busybox
            command: [sh, -c, "trap '' TERM; echo \"pid $$$$\"; exec sleep 3600"]
        """;

    public static TheoryData<string> Versions => new(Kubectl.Versions);

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task DeleteShowsTerminatingAndReturnsOnlyAfterTheContainerProcessIsGone(string version)
    {
        await using var h = await ServeHarness.StartAsync();
        var k = h.Kubectl(version);
        await k.RunWithInputAsync(Manifests.WithGate(h, Graceful), "apply", "-f", "-");
        await k.OkAsync("wait", "--for=condition=Ready", "pod/graceful", "--timeout=30s");
        using var logs = k.Stream("logs", "-f", "graceful");
        var pid = Pid(await logs.WaitForLineAsync(l => l.StartsWith("pid ", StringComparison.Ordinal), "the pid line"));
        var startTime = HostProcess.StartTime(pid) ?? throw new InvalidOperationException($"container pid {pid} is not running");
        // A list watch resumes from the list's resourceVersion; "get pod NAME -w" watches from "0" and drops the
        // first event as the synthetic ADDED, so a change between its GET and its watch would be lost.
        using var watch = k.Stream("get", "pods", "-w");

        using var delete = k.Stream("delete", "pod", "graceful");
        await watch.WaitForLineAsync(l => PodRow.Is(l, "graceful", "Terminating"), "STATUS Terminating");
        await logs.WaitForLineAsync(l => l == "stopping", "the SIGTERM handler");

        // Terminating with its process running: the pod is still there, kubectl delete still waits.
        Assert.True(HostProcess.IsAlive(pid, startTime));
        Assert.Contains("Terminating", await k.OkAsync("get", "pod", "graceful"));

        h.OpenGate("stop");
        Assert.Equal(0, await delete.WaitForExitAsync());
        Assert.False(HostProcess.IsAlive(pid, startTime), "the pod was gone before its container process");
        Assert.Equal("Error from server (NotFound): pods \"graceful\" not found\n", (await k.RunAsync("get", "pod", "graceful")).Stderr);
        await h.StopAsync();
    }

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task ForceDeleteRemovesThePodAtOnceAndTheAgentStillKillsItsProcess(string version)
    {
        await using var h = await ServeHarness.StartAsync();
        var k = h.Kubectl(version);
        await k.RunWithInputAsync(Stubborn, "apply", "-f", "-");
        await k.OkAsync("wait", "--for=condition=Ready", "pod/stubborn", "--timeout=30s");
        using var logs = k.Stream("logs", "-f", "stubborn");
        var pid = Pid(await logs.WaitForLineAsync(l => l.StartsWith("pid ", StringComparison.Ordinal), "the pid line"));
        using var process = Process.GetProcessById(pid);

        var deleted = await k.OkAsync("delete", "pod", "stubborn", "--grace-period=0", "--force");
        Assert.EndsWith("pod \"stubborn\" force deleted\n", deleted);
        Assert.Equal("Error from server (NotFound): pods \"stubborn\" not found\n", (await k.RunAsync("get", "pod", "stubborn")).Stderr);

        // SIGTERM is ignored; the kill's 2 s minimum grace ends in SIGKILL.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(cts.Token);
        await h.StopAsync();
    }

    private static int Pid(string line) => int.Parse(line["pid ".Length..], CultureInfo.InvariantCulture);
}
