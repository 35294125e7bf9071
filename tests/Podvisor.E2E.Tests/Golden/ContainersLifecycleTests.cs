using k8s;
using k8s.Models;
using Podvisor.E2E.Tests.Serve;

namespace Podvisor.E2E.Tests.Golden;

/// <summary>
/// Ports of test/e2e_node/container_lifecycle_test.go ("[sig-node] [NodeConformance] Containers Lifecycle"), named
/// after their <c>It(...)</c> text. Upstream's ordering checks read a log every container and hook appends to; here
/// each one appends <c>NAME start</c>/<c>NAME exit</c> lines to one file in the harness's gate directory (a host
/// path, seen alike by containers and exec hooks), and the test checks the order of those lines.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class ContainersLifecycleTests
{
    /// <summary>A shell command that logs <c>NAME start</c>, runs <paramref name="body"/>, then logs <c>NAME exit</c>.</summary>
    private static string Logged(string name, string body) =>
        $"[sh, -c, \"echo '{name} start' >> GATE/log; {body}; echo '{name} exit' >> GATE/log\"]";

    [Fact]
    public async Task ShouldRunInitContainerToCompletionBeforeCallToPostStartOfRegularContainer()
    {
        var log = await RunToCompletionAsync($$$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: initcontainer-test-pod-with-post-start}
            spec:
              restartPolicy: Never
              initContainers:
              - {name: init-1, image: busybox, command: {{{Logged("init-1", "sleep 1")}}}}
              containers:
              - name: regular-1
                image: busybox
                command: {{{Logged("regular-1", "sleep 3")}}}
                lifecycle:
                  postStart:
                    exec: {command: {{{Logged("PostStart-regular-1", "sleep 1")}}}}
            """);

        AssertBefore(log, "init-1 start", "PostStart-regular-1 start");
        AssertBefore(log, "init-1 exit", "PostStart-regular-1 start");
        // RunTogether: the hook runs while its container runs.
        AssertBefore(log, "regular-1 start", "PostStart-regular-1 exit");
        AssertBefore(log, "PostStart-regular-1 start", "regular-1 exit");
    }

    /// <summary>
    /// Upstream SyncPod starts ContainersToStart one after another and startContainer runs postStart before returning
    /// (kuberuntime_manager.go, kuberuntime_container.go); the agent keeps that order around every postStart hook.
    /// </summary>
    [Fact]
    public async Task ShouldNotLaunchSecondContainerBeforePostStartOfTheFirstContainerCompleted()
    {
        var log = await RunToCompletionAsync($$$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: post-start-blocks-second-container}
            spec:
              restartPolicy: Never
              containers:
              - name: regular-1
                image: busybox
                command: {{{Logged("regular-1", "sleep 3")}}}
                lifecycle:
                  postStart:
                    exec: {command: {{{Logged("PostStart-regular-1", "sleep 1")}}}}
              - {name: regular-2, image: busybox, command: {{{Logged("regular-2", "sleep 1")}}}}
            """);

        AssertBefore(log, "PostStart-regular-1 start", "regular-2 start");
        AssertBefore(log, "PostStart-regular-1 exit", "regular-2 start");
    }

    [Fact]
    public async Task ShouldMarkPodAsSucceededIfAnyOfTheRestartableInitContainersHaveTerminatedWithNonZeroExitCode()
    {
        var end = await DeleteWhileRunningAsync("restartable-init-terminated-with-non-zero-exit-code", 30,
            sidecars: [(1, 0), (1, 1), (1, 0)], regular: (1, 0));

        Assert.Equal("Succeeded", end.Status.Phase);
        AssertTerminated(end.Status.ContainerStatuses, ("regular-1", 0, "Completed"));
        AssertTerminated(end.Status.InitContainerStatuses,
            ("restartable-init-1", 0, "Completed"), ("restartable-init-2", 1, "Error"), ("restartable-init-3", 0, "Completed"));
    }

    [Fact]
    public async Task ShouldMarkPodAsFailedIfRegularContainerHasExceededItsTerminationGracePeriodSeconds()
    {
        // SIGKILL comes 2 s after SIGTERM for the sidecars (the minimum grace), so restartable-init-2 (1 s) exits on its own.
        var end = await DeleteWhileRunningAsync("regular-exceeded-termination-grace-period", 5,
            sidecars: [(20, 0), (1, 0), (20, 0)], regular: (20, 0));

        Assert.Equal("Failed", end.Status.Phase);
        AssertTerminated(end.Status.ContainerStatuses, ("regular-1", 137, "Error"));
        AssertTerminated(end.Status.InitContainerStatuses,
            ("restartable-init-1", 137, "Error"), ("restartable-init-2", 0, "Completed"), ("restartable-init-3", 137, "Error"));
    }

    /// <summary>
    /// Upstream's pod of three sidecars and a regular container that each take TerminationSeconds to exit (with the
    /// given code) on SIGTERM: started and running, deleted with <paramref name="grace"/> seconds; returns the terminal
    /// version the watch sees before the object goes (upstream holds it with a finalizer).
    /// </summary>
    private static async Task<V1Pod> DeleteWhileRunningAsync(string name, int grace, (int Seconds, int ExitCode)[] sidecars, (int Seconds, int ExitCode) regular)
    {
        static string OnTerm((int Seconds, int ExitCode) t) =>
            $"[sh, -c, \"trap 'kill $!; sleep {t.Seconds}; exit {t.ExitCode}' TERM; sleep 600 & wait\"]";
        var init = sidecars.Select((t, i) => $"  - {{name: restartable-init-{i + 1}, image: busybox, restartPolicy: Always, command: {OnTerm(t)}}}");
        var yaml = $$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: {{name}}
            spec:
              restartPolicy: Never
              terminationGracePeriodSeconds: {{grace}}
              initContainers:
            {{string.Join("\n", init)}}
              containers:
              - name: regular-1
                image: busybox
                command: {{OnTerm(regular)}}
            """;
        await using var h = await ServeHarness.StartAsync();
        await h.Client.CoreV1.CreateNamespacedPodAsync(Manifests.Pod(h, yaml), "default");
        V1Pod end;
        using (var watch = RawPodWatch.Start(h, name))
        {
            await watch.WaitAsync(p => p.Status.Phase == "Running" && p.Status.ContainerStatuses is [{ Ready: true }], "running");
            await h.Client.CoreV1.DeleteNamespacedPodAsync(name, "default", gracePeriodSeconds: grace);
            (end, _) = await watch.WaitAsync(p => p.Status.Phase is "Succeeded" or "Failed", "a terminal phase");
            await watch.DeletedAsync();
        }

        await h.StopAsync();
        return end;
    }

    private static void AssertTerminated(IList<V1ContainerStatus> statuses, params (string Name, int ExitCode, string Reason)[] expected)
    {
        Assert.Equal(expected.Length, statuses.Count);
        Assert.All(expected, e =>
        {
            var terminated = statuses.Single(s => s.Name == e.Name).State.Terminated;
            Assert.Equal((e.ExitCode, e.Reason), (terminated?.ExitCode, terminated?.Reason));
        });
    }

    /// <summary>Runs the pod under a fresh serve until it is Succeeded and returns the lines of <c>GATE/log</c>.</summary>
    private static async Task<List<string>> RunToCompletionAsync(string yaml)
    {
        await using var h = await ServeHarness.StartAsync();
        var pod = Manifests.Pod(h, yaml);
        await h.Client.CoreV1.CreateNamespacedPodAsync(pod, "default");
        using (var watch = RawPodWatch.Start(h, pod.Metadata.Name))
        {
            var (end, _) = await watch.WaitAsync(p => p.Status.Phase is "Succeeded" or "Failed", "a terminal phase");
            Assert.Equal("Succeeded", end.Status.Phase);
        }

        var log = (await File.ReadAllLinesAsync(Path.Combine(h.GateDir, "log"))).ToList();
        await h.StopAsync();
        return log;
    }

    private static void AssertBefore(List<string> log, string first, string then)
    {
        var (i, j) = (log.IndexOf(first), log.IndexOf(then));
        Assert.True(i >= 0 && j >= 0 && i < j, $"expected '{first}' before '{then}' in:\n{string.Join('\n', log)}");
    }
}
