using k8s;
using k8s.Models;
using Podvisor.E2E.Tests.Api;
using Podvisor.E2E.Tests.Serve;
using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Cli;

/// <summary>
/// <c>podvisor restart</c> and the annotation <c>podvisor.dev/restart-all-containers</c> against <c>podvisor serve</c>
/// (docs/contracts.md §1, §D14): each new value runs exactly one in-place cycle, a restarted serve does not repeat it, kubectl
/// annotate works as well, and a terminal pod gets an event saying why nothing happened.
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
