using k8s;
using k8s.Models;
using Podvisor.E2E.Tests.Serve;

namespace Podvisor.E2E.Tests.Golden;

/// <summary>
/// Ports of test/e2e/common/node/init_container.go ("[sig-node] InitContainer [NodeConformance]"), each named after
/// its <c>It(...)</c> text and asserting what upstream asserts: its watch predicates on every version, then the end
/// state. (Upstream's <c>checkInvariants</c> result is discarded there, so it is not asserted here either.) busybox's
/// <c>/bin/true</c>, <c>/bin/false</c> and the pause image become the host's <c>true</c>, <c>false</c> and <c>sleep</c>.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class InitContainerTests
{
    private static string Pod(string name, string? restartPolicy, string init1, string init2, string run1) => $$$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: {{{name}}}, labels: {name: foo}}
        spec:
          {{{(restartPolicy is null ? "" : $"restartPolicy: {restartPolicy}")}}}
          initContainers:
          - {name: init1, image: busybox, command: ["{{{init1}}}"]}
          - {name: init2, image: busybox, command: ["{{{init2}}}"]}
          containers:
          - {name: run1, image: busybox, command: [{{{run1}}}], resources: {limits: {cpu: 100m} } }
        """;

    [Fact]
    public async Task ShouldInvokeInitContainersOnARestartNeverPod()
    {
        var end = await RunAsync(Pod("pod-init-never", "Never", "true", "true", "\"true\""), p => p.Status.Phase is "Succeeded" or "Failed", "PodCompleted");

        Assert.Equal("Succeeded", end.Status.Phase);
        AssertInitializedWithTwoCompletedInitContainers(end);
    }

    [Fact]
    public async Task ShouldInvokeInitContainersOnARestartAlwaysPod()
    {
        var end = await RunAsync(Pod("pod-init-always", null, "true", "true", "sleep, \"3600\""), p => p.Status.Phase == "Running", "PodRunning");

        Assert.Equal("Running", end.Status.Phase);
        AssertInitializedWithTwoCompletedInitContainers(end);
    }

    [Fact]
    public async Task ShouldNotStartAppContainersIfInitContainersFailOnARestartAlwaysPod()
    {
        await using var h = await ServeHarness.StartAsync();
        await h.Client.CoreV1.CreateNamespacedPodAsync(Manifests.Pod(h, Pod("pod-init-fail-always", null, "false", "true", "sleep, \"3600\"")), "default");
        using var watch = RawPodWatch.Start(h, "pod-init-fail-always");

        // Upstream's first predicate, on every version until init1 was restarted once; then until it restarted 3 times.
        bool FirstFailureSeen(V1Pod p)
        {
            AssertAppContainersInitializing(p);
            if (p.Status.InitContainerStatuses is not { Count: 2 } init)
            {
                return false;
            }

            Assert.Equal("PodInitializing", init[1].State.Waiting?.Reason);
            Assert.False(init[0].State.Terminated is { ExitCode: 0 }, "first init container should have exitCode != 0");
            return init[0].LastState?.Terminated is not null;
        }

        await watch.WaitAsync(FirstFailureSeen, "init1 restarted once");
        var (end, _) = await watch.WaitAsync(p => p.Status.InitContainerStatuses[0].RestartCount >= 3, "init1 restarted three times");

        Assert.Equal("Pending", end.Status.Phase);
        var initialized = end.Status.Conditions.Single(c => c.Type == "Initialized");
        Assert.Equal(("False", "ContainersNotInitialized", "containers with incomplete status: [init1 init2]"), (initialized.Status, initialized.Reason, initialized.Message));
        Assert.Equal(2, end.Status.InitContainerStatuses.Count);
        await h.StopAsync();
    }

    [Fact]
    public async Task ShouldNotStartAppContainersAndFailThePodIfInitContainersFailOnARestartNeverPod()
    {
        bool SecondInitFailed(V1Pod p)
        {
            AssertAppContainersInitializing(p);
            if (p.Status.InitContainerStatuses is not { Count: 2 } init || init[0].State.Terminated is not { } first)
            {
                Assert.True(p.Status.InitContainerStatuses is not [{ State.Waiting: { } w }, _] || w.Reason == "PodInitializing");
                return false;
            }

            Assert.Equal(0, first.ExitCode);
            Assert.False(init[1].State.Terminated is { ExitCode: 0 }, "second init container should have failed");
            return init[1].State.Terminated is not null;
        }

        var end = await RunAsync(Pod("pod-init-fail-never", "Never", "true", "false", "\"true\""), SecondInitFailed, "init2 failed",
            p => p.Status.Phase is "Succeeded" or "Failed", "PodCompleted");

        Assert.Equal("Failed", end.Status.Phase);
        var initialized = end.Status.Conditions.Single(c => c.Type == "Initialized");
        Assert.Equal(("False", "ContainersNotInitialized", "containers with incomplete status: [init2]"), (initialized.Status, initialized.Reason, initialized.Message));
        Assert.Equal(2, end.Status.InitContainerStatuses.Count);
        Assert.NotNull(end.Status.ContainerStatuses[0].State.Waiting);
    }

    /// <summary>Runs the pod under a fresh serve and returns the version that satisfies the last of the predicates, in turn.</summary>
    private static async Task<V1Pod> RunAsync(string yaml, Func<V1Pod, bool> until, string what, Func<V1Pod, bool>? then = null, string? thenWhat = null)
    {
        await using var h = await ServeHarness.StartAsync();
        var pod = KubernetesYaml.Deserialize<V1Pod>(yaml);
        await h.Client.CoreV1.CreateNamespacedPodAsync(pod, "default");
        V1Pod end;
        using (var watch = RawPodWatch.Start(h, pod.Metadata.Name))
        {
            (end, _) = await watch.WaitAsync(until, what);
            if (then is not null)
            {
                (end, _) = await watch.WaitAsync(then, thenWhat!);
            }
        }

        await h.StopAsync();
        return end;
    }

    private static void AssertAppContainersInitializing(V1Pod pod) =>
        Assert.All(pod.Status.ContainerStatuses ?? [], s => Assert.Equal("PodInitializing", s.State.Waiting?.Reason));

    private static void AssertInitializedWithTwoCompletedInitContainers(V1Pod pod)
    {
        Assert.Equal("True", pod.Status.Conditions.Single(c => c.Type == "Initialized").Status);
        Assert.Equal(2, pod.Status.InitContainerStatuses.Count);
        Assert.All(pod.Status.InitContainerStatuses, s =>
        {
            Assert.True(s.Ready, $"init container {s.Name} should be in Ready status");
            Assert.Equal(0, s.State.Terminated?.ExitCode);
        });
    }
}
