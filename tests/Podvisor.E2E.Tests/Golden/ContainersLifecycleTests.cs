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
    public async Task Should_run_Init_container_to_completion_before_call_to_PostStart_of_regular_container()
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
    /// Fails today: the agent starts the plan's regular containers concurrently (PodWorker.Execute, Task.WhenAll), so
    /// regular-2 starts before regular-1's postStart ran. Upstream SyncPod starts ContainersToStart one after another
    /// and startContainer runs postStart before returning (kuberuntime_manager.go, kuberuntime_container.go).
    /// </summary>
    [Fact(Skip = "differs: regular containers start concurrently, before the previous postStart (docs/upstream-tests.md §8; Agent change)")]
    public async Task Should_not_launch_second_container_before_PostStart_of_the_first_container_completed()
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
