using k8s;
using k8s.Models;
using Podvisor.Agent.Tests.Support;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;

namespace Podvisor.Agent.Tests.Workers;

/// <summary><c>spec.activeDeadlineSeconds</c> (docs/lifecycle.md §7, kubelet active_deadline.go).</summary>
public sealed class ActiveDeadlineTests
{
    private const string Pod = """
        metadata: {name: deadline}
        spec:
          activeDeadlineSeconds: 30
          containers:
          - {name: c, command: ["sleep", "3600"]}
          - {name: d, command: ["sleep", "3600"]}
        """;

    [Fact]
    public async Task APodPastItsDeadlineFailsWithDeadlineExceededAndItsContainersAreStopped()
    {
        await using var h = new ScenarioHarness();
        var pod = await h.RunAsync(Pod);

        await h.AdvanceAsync(TimeSpan.FromSeconds(29));
        Assert.Equal(PodPhases.Running, h.Status(pod).Phase);
        Assert.Empty(h.EventsWithReason(ActiveDeadline.Reason));

        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        await h.AdvanceAsync(TimeSpan.FromSeconds(31));
        var status = h.Status(pod);
        Assert.Equal(PodPhases.Failed, status.Phase);
        Assert.Equal("DeadlineExceeded", status.Reason);
        Assert.Equal("Pod was active on the node longer than the specified deadline", status.Message);
        Assert.All(status.ContainerStatuses, c => Assert.NotNull(c.State.Terminated));
        Assert.Contains("Stop c 30s", h.Runtime.Calls);
        var evt = Assert.Single(h.EventsWithReason("DeadlineExceeded"));
        Assert.Equal("Normal", evt.Type);
        Assert.Equal("Pod was active on the node longer than the specified deadline", evt.Message);
    }

    [Fact]
    public async Task ADeadlineSetOnARunningPodThatHasAlreadyPassedFailsItAtOnce()
    {
        await using var h = new ScenarioHarness();
        var pod = await h.RunAsync(Pod.Replace("activeDeadlineSeconds: 30", "activeDeadlineSeconds: null"));
        await h.AdvanceAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(PodPhases.Running, h.Status(pod).Phase);

        var updated = KubernetesJson.Deserialize<V1Pod>(KubernetesJson.Serialize(pod));
        updated.Spec.ActiveDeadlineSeconds = 5;
        h.Agent.UpsertPod(updated);
        await h.AdvanceAsync(TimeSpan.FromSeconds(31));

        Assert.Equal(PodPhases.Failed, h.Status(pod).Phase);
        Assert.Equal("DeadlineExceeded", h.Status(pod).Reason);
    }

    [Fact]
    public async Task APodThatSucceededBeforeItsDeadlineStaysSucceeded()
    {
        await using var h = new ScenarioHarness();
        var pod = await h.RunAsync(Pod.Replace("containers:", "restartPolicy: Never\n  containers:"));
        await h.ExitAsync(pod, "c", 0);
        await h.ExitAsync(pod, "d", 0);
        Assert.Equal(PodPhases.Succeeded, h.Status(pod).Phase);

        await h.AdvanceAsync(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(10));
        Assert.Equal(PodPhases.Succeeded, h.Status(pod).Phase);
        Assert.Empty(h.EventsWithReason(ActiveDeadline.Reason));
    }
}
