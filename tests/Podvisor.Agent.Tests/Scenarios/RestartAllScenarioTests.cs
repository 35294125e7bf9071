using Podvisor.Agent.Tests.Support;
using Podvisor.Core.Model;

namespace Podvisor.Agent.Tests.Scenarios;

/// <summary>RestartAllContainers scenarios (scenarios.md §B) through the real agent on the fake runtime.</summary>
public sealed class RestartAllScenarioTests
{
    private const string Rs01Pod = """
        metadata: {name: rs01}
        spec:
          restartPolicy: Never
          initContainers:
          - {name: init, image: busybox, command: ["true"]}
          - {name: sidecar, image: busybox, command: ["sleep", "10000"], restartPolicy: Always}
          containers:
          - name: source-container
            image: busybox
            command: ["sleep", "10000"]
            restartPolicy: Never
            restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
          - {name: regular, image: busybox, command: ["sleep", "10000"]}
        """;

    [Fact]
    public async Task RS_01_RegularContainerExitRestartsEveryContainerInPlace()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("init", _ => FakeBehavior.ExitWith(0));
        var pod = await h.RunAsync(Rs01Pod);
        Assert.Equal(PodPhases.Running, h.Status(pod).Phase);
        var ip = h.Status(pod).PodIP;

        await h.ExitAsync(pod, "source-container", 42);

        foreach (var name in new[] { "init", "sidecar", "source-container", "regular" })
        {
            Assert.Equal(1, h.Container(pod, name).RestartCount);
        }

        Assert.NotNull(h.Container(pod, "source-container").State.Running);
        Assert.NotNull(h.Container(pod, "regular").State.Running);
        Assert.Equal("Completed", h.Container(pod, "init").State.Terminated?.Reason);
        Assert.Equal(ip, h.Status(pod).PodIP);
        Assert.Equal(1, h.Runtime.Calls.Count(c => c == "RunPodSandbox"));
        Assert.Equal(2, h.Runtime.StartCount("init"));
        Assert.Equal("False", h.Condition(pod, PodConditions.AllContainersRestarting)?.Status);
        var evt = Assert.Single(h.EventsWithReason(EventReasons.RestartAllContainers));
        Assert.Equal("container \"source-container\" exited with code 42 matching restartPolicyRules[0]; restarting all containers in place", evt.Message);
        Assert.Equal(PodPhases.Running, h.Status(pod).Phase);
    }
}
