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
    public async Task Should_allow_activeDeadlineSeconds_to_be_updated(string version)
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
}
