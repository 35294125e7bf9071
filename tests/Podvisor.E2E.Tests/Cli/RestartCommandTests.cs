using k8s;
using k8s.Models;
using Podvisor.E2E.Tests.Api;
using Podvisor.E2E.Tests.Serve;
using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Cli;

/// <summary>
/// <c>podvisor restart</c> and the annotation <c>podvisor.dev/restart-all-containers</c> against <c>podvisor serve</c>
/// (docs/contracts.md §1, §D14): each new value runs exactly one in-place cycle (init containers again, every container
/// restarted, same UID and IP), a restarted serve does not repeat it, kubectl annotate works as well, and a pod that is
/// terminal or being deleted gets a Warning event saying why nothing happened.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class RestartCommandTests
{
    private const string Annotation = "podvisor.dev/restart-all-containers";

    private static V1Pod Pod(string name, string restartPolicy, string command) => KubernetesYaml.Deserialize<V1Pod>($$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: {{name}}}
        spec:
          restartPolicy: {{restartPolicy}}
          containers: [{name: c, image: busybox, command: ["sh", "-c", "{{command}}"]}]
        """);

    private static bool RunningWith(V1Pod pod, int restarts) =>
        pod.Status?.ContainerStatuses is [{ State.Running: not null } c] && c.RestartCount == restarts
        && pod.Status.Conditions?.Any(x => x is { Type: "AllContainersRestarting", Status: "True" }) != true;

    /// <summary>
    /// An init container counting its runs in an emptyDir, a sidecar, and a container that, on SIGTERM, waits for
    /// <c>/gate/release</c>: a deletion stays in progress until the test opens the gate. A cycle kills it after its
    /// 2 s minimum grace, so whether a second request lands mid-cycle is a race here; the agent scenarios
    /// (RestartAllScenarioTests.Requests) hold the cycle on a fake clock and prove the refusal.
    /// </summary>
    private static V1Pod Held(ServeHarness h, string name) => Manifests.Pod(h, $$$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: {{{name}}}}
        spec:
          terminationGracePeriodSeconds: 30
          initContainers:
          - {name: setup, image: busybox, command: ["sh", "-c", "echo run >> /work/runs; echo setup run $(wc -l < /work/runs)"], volumeMounts: [{name: work, mountPath: /work}]}
          - {name: sidecar, image: busybox, restartPolicy: Always, command: ["sh", "-c", "exec sleep 3600"]}
          containers:
          - name: app
            image: busybox
            command: ["sh", "-c", "trap 'until [ -f /gate/release ]; do sleep 0.1; done; exit 0' TERM; sleep 3600 & wait"]
            volumeMounts: [{name: gate, mountPath: /gate}]
          volumes: [{name: work, emptyDir: {}}, {name: gate, hostPath: {path: GATE}}]
        """);

    /// <summary>setup completed, sidecar and app running, each restarted <paramref name="restarts"/> times, no cycle in progress.</summary>
    private static bool HeldRunningWith(V1Pod pod, int restarts) =>
        pod.Status is { InitContainerStatuses: [{ Name: "setup", State.Terminated.ExitCode: 0 } setup, { Name: "sidecar", State.Running: not null } sidecar] }
        && pod.Status.ContainerStatuses is [{ Name: "app", State.Running: not null } app]
        && new[] { setup, sidecar, app }.All(c => c.RestartCount == restarts)
        && pod.Status.Conditions?.Any(c => c is { Type: "AllContainersRestarting", Status: "True" }) == false;

    private static V1Patch Request(string value) => new(
        KubernetesJson.Serialize(new { metadata = new { annotations = new Dictionary<string, string> { [Annotation] = value } } }), V1Patch.PatchType.MergePatch);

    [RootFact]
    public async Task ARequestedCycleRerunsTheInitContainersAndRestartsEveryContainerInPlace()
    {
        await using var h = await ServeHarness.StartAsync();
        await h.Client.CoreV1.CreateNamespacedPodAsync(Held(h, "held"), "default");
        using var watch = await h.WatchPodAsync("held");
        var before = await watch.WaitAsync(p => HeldRunningWith(p, 0), "setup completed, sidecar and app Running");

        await h.Client.CoreV1.PatchNamespacedPodAsync(Request("one"), "held", "default");
        var cause = $"restart requested through annotation {Annotation}=\"one\"";
        await watch.WaitAsync(p => p.Status?.Conditions?.Any(c => c is { Type: "AllContainersRestarting", Status: "True", Reason: "RestartAllContainersStarted" } && c.Message == cause) == true,
            "AllContainersRestarting=True naming the request");

        // The new app instance exits on its SIGTERM at the end of the test.
        h.OpenGate("release");
        var after = await watch.WaitAsync(p => HeldRunningWith(p, 1), "every container restarted once, setup completed again");

        Assert.Equal((before.Metadata.Uid, before.Status.PodIP), (after.Metadata.Uid, after.Status.PodIP));
        Assert.NotNull(after.Status.PodIP);
        Assert.Equal("setup run 2\n", await ReadLogAsync(h, "held", "setup"));
        var events = (await h.Client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=held,reason=RestartAllContainers")).Items;
        Assert.Equal([$"{cause}; restarting all containers in place"], events.Where(e => e.Type == "Normal").Select(e => e.Message));
        await h.StopAsync();
    }

    [RootFact]
    public async Task ARequestForAPodBeingDeletedIsRefused()
    {
        await using var h = await ServeHarness.StartAsync();
        await h.Client.CoreV1.CreateNamespacedPodAsync(Held(h, "leaving"), "default");
        using var watch = await h.WatchPodAsync("leaving");
        await watch.WaitAsync(p => HeldRunningWith(p, 0), "setup completed, sidecar and app Running");

        // app waits for the gate on SIGTERM, so the pod stays in its graceful deletion.
        await h.Client.CoreV1.DeleteNamespacedPodAsync("leaving", "default", gracePeriodSeconds: 30);
        var refused = await PodvisorCli.RunAsync("restart", "leaving", "--kubeconfig", h.Kubeconfig);

        Assert.Equal(1, refused.ExitCode);
        Assert.Matches($@"\nWarning RestartAllContainers: restart requested through annotation {Annotation}=""\d+""; not restarting: the pod is being deleted\n$", refused.Stdout);
        h.OpenGate("release");
        await h.StopAsync();
    }

    private static async Task<string> ReadLogAsync(ServeHarness h, string pod, string container)
    {
        using var reader = new StreamReader(await h.Client.CoreV1.ReadNamespacedPodLogAsync(pod, "default", container: container));
        return await reader.ReadToEndAsync();
    }

    [RootFact]
    public async Task EachNewValueRunsOneCycleAndARestartedServeDoesNotRepeatIt()
    {
        await using var h = await ServeHarness.StartAsync();
        await h.Client.CoreV1.CreateNamespacedPodAsync(Pod("sleeper", "Never", "exec sleep 3600"), "default");
        using (var watch = await h.WatchPodAsync("sleeper"))
        {
            await watch.WaitAsync(p => RunningWith(p, 0), "c Running");

            var first = await PodvisorCli.RunAsync("restart", "sleeper", "--kubeconfig", h.Kubeconfig);

            Assert.True(first.ExitCode == 0, $"exit {first.ExitCode}\n{first.Stdout}{first.Stderr}");
            Assert.Matches($@"^pod/sleeper restart requested \({Annotation}=(\d+)\)\nNormal RestartAllContainers: restart requested through annotation {Annotation}=""\1""; restarting all containers in place\n$", first.Stdout);
            await watch.WaitAsync(p => RunningWith(p, 1), "c Running again after one cycle");
        }

        // The new serve adopts the running container (as RestartServeTests shows); no cycle repeats.
        await h.RestartAsync();
        using (var watch = await h.WatchPodAsync("sleeper"))
        {
            await watch.WaitAsync(p => RunningWith(p, 1), "c still Running after the serve restart");
            var second = await PodvisorCli.RunAsync("restart", "sleeper", "-n", "default", "--kubeconfig", h.Kubeconfig);

            Assert.True(second.ExitCode == 0, $"exit {second.ExitCode}\n{second.Stdout}{second.Stderr}");
            await watch.WaitAsync(p => RunningWith(p, 2), "c Running after the second cycle");
        }

        // One RestartAllContainers event per value: the restarted agent saw the first value as handled.

        var events = (await h.Client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=sleeper")).Items;
        Assert.Equal(2, events.Count(e => e is { Reason: "RestartAllContainers", Type: "Normal" }));
        Assert.Contains(events, e => e.Reason == "Killing" && e.Message.StartsWith($"Container c will be restarted in place: restart requested through annotation {Annotation}=", StringComparison.Ordinal));
        await h.StopAsync();
    }

    [KubectlTheory]
    [MemberData(nameof(LatestKubectl))]
    public async Task KubectlAnnotateRestartsARunningPodAndATerminalPodGetsAnEventSayingWhyNothingHappened(string version)
    {
        await using var h = await ServeHarness.StartAsync();
        var k = h.Kubectl(version);
        await h.Client.CoreV1.CreateNamespacedPodAsync(Pod("sleeper", "Always", "exec sleep 3600"), "default");
        await h.Client.CoreV1.CreateNamespacedPodAsync(Pod("done", "Never", "true"), "default");
        using var sleeper = await h.WatchPodAsync("sleeper");
        await sleeper.WaitAsync(p => RunningWith(p, 0), "sleeper Running");
        using var done = await h.WatchPodAsync("done");
        await done.WaitAsync(p => p.Status?.Phase == "Succeeded", "done Succeeded");

        await k.OkAsync("annotate", "pod", "sleeper", $"{Annotation}=one", "--overwrite");
        await sleeper.WaitAsync(p => RunningWith(p, 1), "sleeper Running after the cycle");
        var refused = await PodvisorCli.RunAsync("restart", "done", "--kubeconfig", h.Kubeconfig);

        Assert.Equal(1, refused.ExitCode);
        Assert.Matches($@"\nWarning RestartAllContainers: restart requested through annotation {Annotation}=""\d+""; not restarting: the pod is Succeeded\n$", refused.Stdout);
        Assert.Contains($"restart requested through annotation {Annotation}=\"one\"; restarting all containers in place",
            await k.OkAsync("get", "events", "--field-selector", "involvedObject.name=sleeper,reason=RestartAllContainers", "-o", "jsonpath={.items[*].message}"), StringComparison.Ordinal);
        var missing = await PodvisorCli.RunAsync("restart", "nosuch", "--kubeconfig", h.Kubeconfig);
        Assert.Equal((1, "Error from server (NotFound): pods \"nosuch\" not found\n"), (missing.ExitCode, missing.Stderr));
        await h.StopAsync();
    }

    public static TheoryData<string> LatestKubectl => new(Kubectl.Versions[^1]);
}
