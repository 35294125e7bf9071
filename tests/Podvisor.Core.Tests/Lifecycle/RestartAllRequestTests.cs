using k8s.Models;
using Podvisor.Core;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Core.Status;
using Podvisor.Core.Tests.Support;
using static Podvisor.Core.Tests.Support.StatusPods;

namespace Podvisor.Core.Tests.Lifecycle;

/// <summary>docs/lifecycle.md §D14: the manual restart-all request, its refusals, and the cycle it starts on a pod without rules.</summary>
public class RestartAllRequestTests
{
    private static V1Pod Annotated(string value)
    {
        var pod = Pod("Never", [C("a")]);
        pod.Metadata.Annotations = new Dictionary<string, string> { [RestartAllRequest.Annotation] = value };
        return pod;
    }

    private static V1PodStatus Status(string phase, bool restarting = false) => new()
    {
        Phase = phase,
        Conditions = [new V1PodCondition { Type = PodConditions.AllContainersRestarting, Status = restarting ? "True" : "False" }],
    };

    [Fact]
    public void RefusesTerminalDeletedAndMidCyclePodsAndADisabledGate()
    {
        var pod = Annotated("1");
        Assert.Null(RestartAllRequest.Refusal(pod, Status(PodPhases.Running), FeatureGates.Default));
        Assert.Equal("the pod is Succeeded", RestartAllRequest.Refusal(pod, Status(PodPhases.Succeeded), FeatureGates.Default));
        Assert.Equal("a RestartAllContainers cycle is already in progress",
            RestartAllRequest.Refusal(pod, Status(PodPhases.Running, restarting: true), FeatureGates.Default));
        Assert.Equal("feature gate RestartAllContainersOnContainerExits is disabled",
            RestartAllRequest.Refusal(pod, Status(PodPhases.Running), new FeatureGates(RestartAllContainersOnContainerExits: false)));
        pod.Metadata.DeletionTimestamp = T0.UtcDateTime;
        Assert.Equal("the pod is being deleted", RestartAllRequest.Refusal(pod, Status(PodPhases.Running), FeatureGates.Default));
    }

    [Fact]
    public void EventMessagesNameTheAnnotationAndTheValue()
    {
        Assert.Equal("restart requested through annotation podvisor.dev/restart-all-containers=\"42\"; restarting all containers in place",
            RestartAllRequest.EventMessage("42"));
        Assert.Equal("restart requested through annotation podvisor.dev/restart-all-containers=\"42\"; not restarting: the pod is Failed",
            RestartAllRequest.RefusedMessage("42", "the pod is Failed"));
    }

    [Fact]
    public void AnAcceptedRequestStartsACycleOnAPodWithoutRulesAndTheConditionAndTheCleanupNameItsCause()
    {
        var pod = Annotated("7");
        var runtime = StatusRuntimeBuilder.WithSandbox().Running("a").Build();
        var old = PodStatusGenerator.Generate(new StatusInput { Pod = pod, Runtime = runtime, Now = T0 });
        Assert.Equal("False", old.Conditions.Single(c => c.Type == PodConditions.AllContainersRestarting).Status);

        var status = PodStatusGenerator.Generate(new StatusInput { Pod = pod, Runtime = runtime, OldStatus = old, Now = T0, RestartAllRequested = true });

        var condition = status.Conditions.Single(c => c.Type == PodConditions.AllContainersRestarting);
        Assert.Equal(("True", PodConditions.RestartAllContainersStarted, RestartAllRequest.Cause("7")), (condition.Status, condition.Reason, condition.Message));
        Assert.Equal(PodPhases.Running, status.Phase);
        var next = PodStatusGenerator.Generate(new StatusInput { Pod = pod, Runtime = runtime, OldStatus = status, Now = T0 });
        Assert.Equal(RestartAllRequest.Cause("7"), next.Conditions.Single(c => c.Type == PodConditions.AllContainersRestarting).Message);
        var plan = PodPlanner.Compute(new PlannerInput { Pod = pod, Runtime = runtime, ApiStatus = status, Backoff = new CrashLoopBackoff(null), Now = T0 });
        Assert.Equal(["a"], plan.ContainersToRemove.Select(r => r.Name));
        Assert.Equal(RestartAllRequest.Cause("7"), plan.RestartAllCause);
    }

    [Fact]
    public void WithoutTheAnnotationAPodWithoutRulesHasNoAllContainersRestartingCondition()
    {
        var status = PodStatusGenerator.Generate(new StatusInput { Pod = Pod("Never", [C("a")]), Runtime = StatusRuntimeBuilder.WithSandbox().Running("a").Build(), Now = T0 });

        Assert.DoesNotContain(status.Conditions, c => c.Type == PodConditions.AllContainersRestarting);
    }
}
