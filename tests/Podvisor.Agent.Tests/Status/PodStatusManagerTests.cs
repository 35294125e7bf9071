using k8s;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Podvisor.Agent.Status;
using Podvisor.Agent.Tests.Support;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Core.Status;

namespace Podvisor.Agent.Tests.Status;

/// <summary>
/// The per-pod status manager on its own: unchanged statuses are written once, a failed start shows as the
/// container's waiting reason until it starts, and a requested cycle's event is recorded exactly when the condition turns.
/// </summary>
public sealed class PodStatusManagerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(T0);
    private readonly RecordingSink _sink = new();

    private static readonly V1Pod Pod = KubernetesYaml.Deserialize<V1Pod>("""
        metadata: {name: p, namespace: default, uid: u1}
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox, command: ["sleep", "1"]}]
        """);

    /// <summary>The pod as it is when a request is accepted: carrying the annotation's new value.</summary>
    private static V1Pod Requested(string value)
    {
        var pod = KubernetesJson.Deserialize<V1Pod>(KubernetesJson.Serialize(Pod));
        pod.Metadata.Annotations = new Dictionary<string, string> { [RestartAllRequest.Annotation] = value };
        return pod;
    }

    private static RuntimePodStatus Running(string state = "running") => new()
    {
        Uid = "u1",
        Sandboxes = [new RuntimeSandboxStatus { Id = "s1", Ready = true, Ip = "10.0.0.2", CreatedAt = T0 }],
        Containers = state == "none" ? [] :
        [
            new RuntimeContainerStatus { Id = "c1", Name = "c", State = RuntimeContainerState.Running, CreatedAt = T0, StartedAt = T0 },
        ],
    };

    private PodStatusManager Manager() => new(_sink, new EventRecorder(_sink, _time, "node-1"), NoProbeResults.Instance, _time,
        TestAgentOptions.For(""), handedOver: null);

    [Fact]
    public void AnUnchangedStatusIsWrittenOnce()
    {
        var manager = Manager();

        manager.Publish(Pod, Running(), podIsTerminal: false);
        manager.Publish(Pod, Running(), podIsTerminal: false);
        manager.Publish(Pod, Running(), podIsTerminal: false);

        Assert.Single(_sink.Statuses("u1"));
        Assert.Equal(PodPhases.Running, manager.Current?.Phase);
    }

    [Fact]
    public void AFailedStartIsTheWaitingReasonUntilTheContainerStarts()
    {
        var manager = Manager();
        manager.StartFailed("c", new ContainerStartFailure(ContainerReasons.CreateContainerConfigError, "configmap \"x\" not found"));

        var failed = manager.Publish(Pod, Running("none"), podIsTerminal: false);
        manager.Started("c");
        var cleared = manager.Publish(Pod, Running("none"), podIsTerminal: false);

        Assert.Equal(("CreateContainerConfigError", "configmap \"x\" not found"),
            (failed.ContainerStatuses[0].State.Waiting?.Reason, failed.ContainerStatuses[0].State.Waiting?.Message));
        Assert.Equal("ContainerCreating", cleared.ContainerStatuses[0].State.Waiting?.Reason);
        Assert.Equal(2, _sink.Statuses("u1").Count);
    }

    [Fact]
    public void AnAcceptedRequestStartsACycleWithOneEventAndIsUsedOnce()
    {
        var manager = Manager();
        manager.Publish(Pod, Running(), podIsTerminal: false);

        manager.AcceptRequest("one");
        var cycle = manager.Publish(Requested("one"), Running(), podIsTerminal: false);
        manager.Publish(Requested("one"), Running(), podIsTerminal: false);

        Assert.True(PodConditions.IsRestartingAll(cycle));
        Assert.Equal(RestartAllRequest.Cause("one"), cycle.Conditions.Single(c => c.Type == PodConditions.AllContainersRestarting).Message);
        var evt = Assert.Single(_sink.Events, e => e.Reason == EventReasons.RestartAllContainers);
        Assert.Equal(("Normal", RestartAllRequest.EventMessage("one")), (evt.Type, evt.Message));
    }

    [Fact]
    public void ARequestBeforeAnyContainerExistsIsRefused()
    {
        var manager = Manager();

        manager.AcceptRequest("one");
        var status = manager.Publish(Requested("one"), Running("none"), podIsTerminal: false);

        Assert.False(PodConditions.IsRestartingAll(status));
        var evt = Assert.Single(_sink.Events, e => e.Reason == EventReasons.RestartAllContainers);
        Assert.Equal(("Warning", RestartAllRequest.RefusedMessage("one", "no container has been created yet")), (evt.Type, evt.Message));
    }
}
