using k8s;
using k8s.Models;
using Podvisor.Agent.Tests.Support;
using Podvisor.Core;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;

namespace Podvisor.Agent.Tests.Scenarios;

/// <summary>
/// Requested cycles (docs/restart-all-request.md, docs/lifecycle.md §D14): each new value of the annotation runs one cycle
/// with a rule's semantics, or is refused with a Warning event naming why. The fake clock holds a cycle's 2 s kill, so
/// "mid-cycle" is a state of the test, not a race.
/// </summary>
public sealed partial class RestartAllScenarioTests
{
    /// <summary>A copy of <paramref name="pod"/> carrying the request <paramref name="value"/>, handed to the agent.</summary>
    private static V1Pod Request(ScenarioHarness h, V1Pod pod, string value)
    {
        var updated = KubernetesJson.Deserialize<V1Pod>(KubernetesJson.Serialize(pod));
        updated.Metadata.Annotations = new Dictionary<string, string> { [RestartAllRequest.Annotation] = value };
        h.Agent.UpsertPod(updated);
        return updated;
    }

    /// <summary>RS-01's pod whose container <c>regular</c> ignores SIGTERM, so a cycle's kill of it takes the whole 2 s.</summary>
    private static Task<V1Pod> RunHeldAsync(ScenarioHarness h)
    {
        h.Runtime.Script("init", _ => FakeBehavior.ExitWith(0));
        h.Runtime.Script("regular", _ => new FakeBehavior(IgnoresSigterm: true));
        return h.RunAsync(Rs01Pod);
    }

    private static IEnumerable<(string Type, string Message)> RequestEvents(ScenarioHarness h) =>
        h.EventsWithReason(EventReasons.RestartAllContainers).Select(e => (e.Type, e.Message));

    [Fact]
    public async Task ARequestRunsOneCycleWithARulesSemantics()
    {
        var (h, pod) = await RunRs01Async();
        await using var _ = h;
        var ip = h.Status(pod).PodIP;

        Request(h, pod, "one");
        await h.SettleAsync();

        foreach (var name in Rs01Containers)
        {
            Assert.Equal(1, h.Container(pod, name).RestartCount);
        }

        Assert.Equal(2, h.Runtime.StartCount("init"));
        Assert.Equal([("Normal", RestartAllRequest.EventMessage("one"))], RequestEvents(h));
        Assert.Contains(h.History(pod), s => IsRestarting(s)
            && s.Conditions!.Single(c => c.Type == PodConditions.AllContainersRestarting).Message == RestartAllRequest.Cause("one"));
        Assert.Equal("False", h.Condition(pod, PodConditions.AllContainersRestarting)?.Status);
        Assert.Equal(ip, h.Status(pod).PodIP);
        Assert.Equal(1, h.Runtime.Calls.Count(c => c == "RunPodSandbox"));
    }

    [Fact]
    public async Task TheSameValueAgainAndTheValueAPodStartsWithAreNotRequests()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("init", _ => FakeBehavior.ExitWith(0));
        var pod = KubernetesYaml.Deserialize<V1Pod>(Rs01Pod);
        pod.Metadata.Annotations = new Dictionary<string, string> { [RestartAllRequest.Annotation] = "baseline" };
        pod = await h.RunAsync(pod);

        Request(h, pod, "baseline");
        await h.SettleAsync();

        Assert.Equal(1, h.Runtime.StartCount("init"));
        Assert.Empty(RequestEvents(h));
    }

    [Fact]
    public async Task ARequestWhileACycleIsInProgressIsRefusedAndTheCycleRunsOnce()
    {
        await using var h = new ScenarioHarness();
        var pod = await RunHeldAsync(h);
        var mark = h.Runtime.Calls.Count;

        // The cycle's kill of the SIGTERM-ignoring container waits 2 s on the fake clock: the cycle is in progress.
        var requested = Request(h, pod, "one");
        await h.WaitForCallAsync("Stop regular 2s");
        Request(h, requested, "two");
        h.Time.Advance(TimeSpan.FromSeconds(2));
        await h.SettleAsync();

        Assert.Equal(
        [
            ("Normal", RestartAllRequest.EventMessage("one")),
            ("Warning", RestartAllRequest.RefusedMessage("two", "a RestartAllContainers cycle is already in progress")),
        ], RequestEvents(h));
        Assert.Equal(["init", "sidecar", "source-container", "regular"], h.Started(mark));
        Assert.Equal("False", h.Condition(pod, PodConditions.AllContainersRestarting)?.Status);
    }

    [Fact]
    public async Task ARequestDuringARuleTriggeredCycleIsRefused()
    {
        await using var h = new ScenarioHarness();
        var pod = await RunHeldAsync(h);
        var mark = h.Runtime.Calls.Count;

        h.Runtime.Exit(pod.Metadata.Uid, "source-container", 42);
        await h.WaitForCallAsync("Stop regular 2s");
        Request(h, pod, "one");
        h.Time.Advance(TimeSpan.FromSeconds(2));
        await h.SettleAsync();

        Assert.Equal(
        [
            ("Normal", "container \"source-container\" exited with code 42 matching restartPolicyRules[0]; restarting all containers in place"),
            ("Warning", RestartAllRequest.RefusedMessage("one", "a RestartAllContainers cycle is already in progress")),
        ], RequestEvents(h));
        Assert.Equal(["init", "sidecar", "source-container", "regular"], h.Started(mark));
    }

    [Fact]
    public async Task ARequestWithTheGateOffOrForATerminalPodIsRefused()
    {
        await using (var h = new ScenarioHarness(FeatureGates.Default with { RestartAllContainersOnContainerExits = false }))
        {
            h.Runtime.Script("init", _ => FakeBehavior.ExitWith(0));
            var pod = await h.RunAsync(Rs01Pod.Replace("restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]", "", StringComparison.Ordinal));

            Request(h, pod, "one");
            await h.SettleAsync();

            Assert.Equal([("Warning", RestartAllRequest.RefusedMessage("one", "feature gate RestartAllContainersOnContainerExits is disabled"))], RequestEvents(h));
            Assert.Equal(1, h.Runtime.StartCount("init"));
        }

        await using (var h = new ScenarioHarness())
        {
            var pod = await h.RunAsync("""
                metadata: {name: done}
                spec:
                  restartPolicy: Never
                  containers: [{name: c, image: busybox, command: ["true"]}]
                """);
            await h.ExitAsync(pod, "c", 0);
            Assert.Equal(PodPhases.Succeeded, h.Status(pod).Phase);

            Request(h, pod, "one");
            await h.SettleAsync();

            Assert.Equal([("Warning", RestartAllRequest.RefusedMessage("one", "the pod is Succeeded"))], RequestEvents(h));
            Assert.Equal(1, h.Runtime.StartCount("c"));
        }
    }
}
