using Podvisor.E2E.Tests.Api;
using Podvisor.E2E.Tests.Serve;

namespace Podvisor.E2E.Tests.Golden;

/// <summary>Ports of test/e2e/common/node/pods.go ("[sig-node] Pods"), named after their <c>It(...)</c> text.</summary>
[Collection(ServeCollection.Name)]
public sealed class PodsTests
{
    /// <summary>
    /// Upstream creates a running pod, lowers <c>activeDeadlineSeconds</c> to 5 by an update and waits until the pod
    /// terminated with reason <c>DeadlineExceeded</c>; here the update is a <c>kubectl patch</c>.
    /// </summary>
    [KubectlTheory]
    [InlineData("1.33")]
    public async Task ShouldAllowActiveDeadlineSecondsToBeUpdated(string version)
    {
        await using var h = await ServeHarness.StartAsync();
        var k = h.Kubectl(version);
        await k.RunWithInputAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: pod-update-activedeadlineseconds, labels: {name: foo}}
            spec:
              containers:
              - {name: main, image: busybox, command: [sleep, "3600"]}
            """, "apply", "-f", "-");
        await k.OkAsync("wait", "--for=condition=Ready", "pod/pod-update-activedeadlineseconds", "--timeout=30s");
        using var watch = await h.WatchPodAsync("pod-update-activedeadlineseconds");

        await k.OkAsync("patch", "pod", "pod-update-activedeadlineseconds", "-p", """{"spec":{"activeDeadlineSeconds":5}}""");

        var end = await watch.WaitAsync(p => p.Status.Phase == "Failed", "phase Failed");
        Assert.Equal("DeadlineExceeded", end.Status.Reason);
        Assert.Equal("Pod was active on the node longer than the specified deadline", end.Status.Message);
        Assert.Contains("DeadlineExceeded", await k.OkAsync("get", "events", "--field-selector", "involvedObject.name=pod-update-activedeadlineseconds"));
        await h.StopAsync();
    }

    /// <summary>
    /// Upstream: a pod with two readiness gates is not Ready until both conditions, patched through the status
    /// subresource, are True, and becomes not Ready again when one turns False.
    /// </summary>
    [KubectlTheory]
    [InlineData("1.33")]
    public async Task ShouldSupportPodReadinessGates(string version)
    {
        const string name = "pod-ready";
        await using var h = await ServeHarness.StartAsync();
        var k = h.Kubectl(version);
        await k.RunWithInputAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: pod-ready}
            spec:
              readinessGates:
              - {conditionType: k8s.io/test-condition1}
              - {conditionType: k8s.io/test-condition2}
              containers:
              - {name: pod-readiness-gate, image: busybox, command: [sleep, "3600"]}
            """, "apply", "-f", "-");
        using var watch = await h.WatchPodAsync(name);
        await watch.WaitAsync(p => Condition(p, "ContainersReady") == "True", "ContainersReady");
        Assert.Equal("False", Condition(watch.Seen[^1], "Ready"));

        await PatchAsync(k, name, "k8s.io/test-condition1", "True");
        await watch.WaitAsync(p => Condition(p, "k8s.io/test-condition1") == "True", "test-condition1 True");
        Assert.Equal("False", Condition(watch.Seen[^1], "Ready"));

        await PatchAsync(k, name, "k8s.io/test-condition2", "True");
        await watch.WaitAsync(p => Condition(p, "Ready") == "True", "Ready after both gates");

        await PatchAsync(k, name, "k8s.io/test-condition1", "False");
        await watch.WaitAsync(p => Condition(p, "Ready") == "False", "not Ready after a gate turned False");
        Assert.Equal("True", Condition(watch.Seen[^1], "k8s.io/test-condition2"));
        await h.StopAsync();
    }

    /// <summary>
    /// Upstream creates three labelled pods, deletes them with one DeleteCollection (here <c>kubectl delete --raw</c> on the collection; label selector, grace period 1)
    /// and waits until none is left; a pod without the label stays.
    /// </summary>
    [KubectlTheory]
    [InlineData("1.33")]
    public async Task ShouldDeleteACollectionOfPods(string version)
    {
        await using var h = await ServeHarness.StartAsync();
        var k = h.Kubectl(version);
        foreach (var name in new[] { "test-pod-1", "test-pod-2", "test-pod-3", "other" })
        {
            var labels = name == "other" ? "{}" : "{type: Testing}";
            await k.RunWithInputAsync($$$"""
                apiVersion: v1
                kind: Pod
                metadata: {name: {{{name}}}, labels: {{{labels}}}}
                spec:
                  containers:
                  - {name: token-test, image: busybox, command: [sleep, "3600"]}
                """, "apply", "-f", "-");
        }

        await k.OkAsync("wait", "--for=condition=Ready", "pod", "--all", "--timeout=30s");

        var body = await k.OkAsync("delete", "--raw", "/api/v1/namespaces/default/pods?labelSelector=type%3DTesting&gracePeriodSeconds=1");
        var deleted = k8s.KubernetesJson.Deserialize<k8s.Models.V1PodList>(body);
        Assert.Equal("PodList", deleted.Kind);
        Assert.Equal(["test-pod-1", "test-pod-2", "test-pod-3"], deleted.Items.Select(p => p.Metadata.Name));
        Assert.All(deleted.Items, p => Assert.NotNull(p.Metadata.DeletionTimestamp));

        await k.OkAsync("wait", "--for=delete", "pod", "-l", "type=Testing", "--timeout=30s");
        Assert.Equal("other", (await k.OkAsync("get", "pods", "-o", "name")).Trim().Replace("pod/", "", StringComparison.Ordinal));
        await h.StopAsync();
    }

    private static string? Condition(k8s.Models.V1Pod pod, string type) => pod.Status?.Conditions?.FirstOrDefault(c => c.Type == type)?.Status;

    private static Task<string> PatchAsync(Kubectl k, string pod, string type, string status) =>
        k.OkAsync("patch", "pod", pod, "--subresource=status", "-p", $$$"""{"status":{"conditions":[{"type":"{{{type}}}","status":"{{{status}}}"}]}}""");
}
