using k8s;
using k8s.Models;
using Podvisor.E2E.Tests.Api;

namespace Podvisor.E2E.Tests.Serve;

/// <summary>
/// SIGTERM and restart <c>podvisor serve</c> while pods run (docs/lifecycle.md §6.10, RS-06, RS-07): the pod keeps its UID, its one
/// sandbox (network namespace and IP) and its volumes; its containers keep running under their shim and are adopted.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class RestartServeTests
{
    private const string LongRunning = """
        apiVersion: v1
        kind: Pod
        metadata: {name: long}
        spec:
          containers:
          - {name: main, image: busybox, command: [sleep, "3600"]}
        """;

    /// <summary>
    /// RS-06's pod: source-container exits 42 (RestartAllContainers) on its first run once the gate <c>trigger</c> is
    /// open; ten containers ignore SIGTERM, so the cleanup's kills take the 2 s minimum grace (the window to stop serve).
    /// With <c>init: true</c> (RS-07) an init container re-runs after the cleanup and waits for the gate <c>init</c>.
    /// </summary>
    private static string RestartAllPod(string name, bool init)
    {
        var stubborn = Enumerable.Range(0, StubbornContainers).Select(i => $"""
              - name: container-{i}
                image: busybox
                command: [sh, -c, "trap '' TERM; exec sleep 3600"]
            """);
        return $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: {{name}}}
            spec:
              restartPolicy: Never
              terminationGracePeriodSeconds: 1
            {{(init ? InitContainer : "")}}
              containers:
              - name: source-container
                image: busybox
                command: [sh, -c, "if [ -f /data/ran ]; then exec sleep 3600; fi; touch /data/ran; while [ ! -f /gate/trigger ]; do sleep 0.1; done; exit 42"]
                restartPolicy: Never
                restartPolicyRules:
                - action: RestartAllContainers
                  exitCodes: {operator: In, values: [42]}
                volumeMounts: [{name: data, mountPath: /data}, {name: gate, mountPath: /gate}]
            {{string.Join("\n", stubborn)}}
              volumes:
              - {name: data, emptyDir: {} }
              - {name: gate, hostPath: {path: GATE} }
            """;
    }

    private const string InitContainer = """
          initContainers:
          - name: init
            image: busybox
            command: [sh, -c, "if [ -f /data/init-ran ]; then while [ ! -f /gate/init ]; do sleep 0.1; done; fi; touch /data/init-ran"]
            volumeMounts: [{name: data, mountPath: /data}, {name: gate, mountPath: /gate}]
        """;

    private const int StubbornContainers = 10;

    public static TheoryData<string> Versions => new(Kubectl.Versions);

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task ARunningPodSurvivesAServeRestartWithItsUidIpAndContainerAdopted(string version)
    {
        await using var h = await ServeHarness.StartAsync();
        var k = h.Kubectl(version);
        await k.RunWithInputAsync(LongRunning, "apply", "-f", "-");
        await k.OkAsync("wait", "--for=condition=Ready", "pod/long", "--timeout=30s");
        var before = KubernetesJson.Deserialize<V1Pod>(await k.OkAsync("get", "pod", "long", "-o", "json"));
        var sandbox = Assert.Single(RuntimeRecords.Sandboxes(h.DataDir));
        var container = Assert.Single(RuntimeRecords.Containers(h.DataDir));

        await h.RestartAsync();
        await k.OkAsync("wait", "--for=condition=Ready", "pod/long", "--timeout=30s");
        var after = KubernetesJson.Deserialize<V1Pod>(await k.OkAsync("get", "pod", "long", "-o", "json"));

        // Adopted, as the kubelet finds containerd's containers: the same instance, still running, never restarted.
        await AssertSamePodAsync(before, after, sandbox, h);
        Assert.True(container.ProcessAlive, "the container process did not outlive serve");
        var (was, status) = (before.Status.ContainerStatuses.Single(), after.Status.ContainerStatuses.Single());
        Assert.Equal(was.ContainerID, status.ContainerID);
        Assert.Equal(0, status.RestartCount);
        Assert.Equal(was.State.Running.StartedAt, status.State.Running.StartedAt);
        Assert.Null(status.LastState.Terminated);
        Assert.Matches(@"^long\s+1/1\s+Running\s+0\s+\S+$", (await k.OkAsync("get", "pod", "long")).Split('\n')[1]);
        Assert.Equal("long\n", await k.OkAsync("exec", "long", "--", "hostname")); // the pod's UTS namespace, still pinned
        await h.StopAsync();
    }

    [Fact]
    public async Task RS_06_ServeRestartedDuringTheCleanupPhaseRestartsEveryContainerOnce()
    {
        await using var h = await ServeHarness.StartAsync();
        var before = await StartRestartAllPodAsync(h, "rs-06", init: false);
        var sandbox = Assert.Single(RuntimeRecords.Sandboxes(h.DataDir));

        using (var watch = await h.WatchPodAsync("rs-06"))
        {
            h.OpenGate("trigger");
            await watch.WaitAsync(p => Condition(p, "AllContainersRestarting") == "True", "AllContainersRestarting=True");
            await h.RestartAsync();

            // The old serve stopped within the cleanup: nothing it published after the trigger ended the condition.
            Assert.All(await watch.RemainingAsync(), p => Assert.Equal("True", Condition(p, "AllContainersRestarting")));
        }

        var after = await WaitForAllRunningAsync(h, "rs-06");
        await AssertSamePodAsync(before, after, sandbox, h);
        Assert.All(after.Status.ContainerStatuses, s => Assert.True(s.RestartCount > 0, $"{s.Name} was not restarted"));
        Assert.Single(await RestartAllEventsAsync(h, "rs-06"));
        await h.StopAsync();
    }

    [Fact]
    public async Task RS_07_ServeRestartedWhileTheInitContainerRerunsAfterTheCleanupStartsEveryContainer()
    {
        await using var h = await ServeHarness.StartAsync();
        var before = await StartRestartAllPodAsync(h, "rs-07", init: true);
        var sandbox = Assert.Single(RuntimeRecords.Sandboxes(h.DataDir));

        using (var watch = await h.WatchPodAsync("rs-07"))
        {
            h.OpenGate("trigger");
            await watch.WaitAsync(p => Condition(p, "AllContainersRestarting") == "True", "AllContainersRestarting=True");
            await watch.WaitAsync(p => Condition(p, "AllContainersRestarting") == "False" && p.Status.InitContainerStatuses[0].State.Running is not null,
                "AllContainersRestarting=False with the init container running again");
            await h.RestartAsync();
        }

        h.OpenGate("init");
        var after = await WaitForAllRunningAsync(h, "rs-07");
        await AssertSamePodAsync(before, after, sandbox, h);
        Assert.All(after.Status.ContainerStatuses.Concat(after.Status.InitContainerStatuses), s => Assert.True(s.RestartCount > 0, $"{s.Name} was not restarted"));
        Assert.Single(await RestartAllEventsAsync(h, "rs-07"));
        await h.StopAsync();
    }

    /// <summary>Creates the RS-06/07 pod through KubernetesClient and waits until all its containers run.</summary>
    private static async Task<V1Pod> StartRestartAllPodAsync(ServeHarness h, string name, bool init)
    {
        await h.Client.CoreV1.CreateNamespacedPodAsync(Manifests.Pod(h, RestartAllPod(name, init)), "default");
        return await WaitForAllRunningAsync(h, name);
    }

    private static async Task<V1Pod> WaitForAllRunningAsync(ServeHarness h, string name)
    {
        using var watch = await h.WatchPodAsync(name);
        return await watch.WaitAsync(p => p.Status?.ContainerStatuses is { Count: StubbornContainers + 1 } statuses
            && statuses.All(s => s.State.Running is not null && s.Ready), $"all {StubbornContainers + 1} containers Running and ready");
    }

    /// <summary>No pod lost, duplicated or started twice: same UID, one sandbox (the same one), the same IP.</summary>
    private static async Task AssertSamePodAsync(V1Pod before, V1Pod after, SandboxFile sandbox, ServeHarness h)
    {
        Assert.Equal(before.Metadata.Uid, after.Metadata.Uid);
        Assert.Equal(before.Status.PodIP, after.Status.PodIP);
        Assert.Equal(sandbox.Id, Assert.Single(RuntimeRecords.Sandboxes(h.DataDir)).Id);
        Assert.Equal(sandbox.Ip, after.Status.PodIP);
        Assert.Equal("Running", after.Status.Phase);
        Assert.Single((await h.Client.CoreV1.ListNamespacedPodAsync("default")).Items);
    }

    private static async Task<List<Corev1Event>> RestartAllEventsAsync(ServeHarness h, string name) =>
        (await h.Client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: $"involvedObject.name={name}")).Items
            .Where(e => e.Reason == "RestartAllContainers").ToList();

    private static string? Condition(V1Pod pod, string type) => pod.Status?.Conditions?.FirstOrDefault(c => c.Type == type)?.Status;
}
