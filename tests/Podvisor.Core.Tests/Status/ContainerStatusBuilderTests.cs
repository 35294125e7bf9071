using k8s.Models;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Core.Status;
using Podvisor.Core.Tests.Support;
using static Podvisor.Core.Tests.Support.StatusPods;

namespace Podvisor.Core.Tests.Status;

public class ContainerStatusBuilderTests
{
    [Theory]
    [InlineData(true, ContainerReasons.PodInitializing)]
    [InlineData(false, ContainerReasons.ContainerCreating)]
    public void DefaultWaitingReasonDependsOnInitContainers(bool hasInit, string reason)
    {
        var pod = Pod("Always", [C("app")], hasInit ? [C("init")] : null);
        var status = new StatusSequence(pod).Step(StatusRuntimeBuilder.WithSandbox());

        var app = status.Container("app");
        Assert.Equal(reason, app.State.Waiting.Reason);
        Assert.Equal("busybox", app.Image);
        Assert.Equal("", app.ImageID);
        Assert.Null(app.ContainerID);
        Assert.False(app.Ready);
        Assert.False(app.Started);
        Assert.Equal(0, app.RestartCount);
        Assert.NotNull(app.LastState);
        Assert.Null(app.LastState.Terminated);
    }

    [Fact]
    public void RunningInstanceBecomesStateAndOlderInstanceLastState()
    {
        var pod = Pod("Always", [C("app")]);
        var runtime = StatusRuntimeBuilder.WithSandbox().Exited("app", 1).Exited("app", 2, restartCount: 1).Running("app", restartCount: 2).Build();
        var app = new StatusSequence(pod).Step(runtime).Container("app");

        Assert.NotNull(app.State.Running);
        Assert.Equal("podvisor://app-2", app.ContainerID);
        Assert.Equal("docker.io/library/busybox:latest", app.Image);
        Assert.Equal(2, app.LastState.Terminated.ExitCode);
        Assert.Equal("podvisor://app-1", app.LastState.Terminated.ContainerID);
        Assert.Equal(ContainerReasons.Error, app.LastState.Terminated.Reason);
        Assert.Equal(2, app.RestartCount);
        Assert.True(app.Started);
        Assert.True(app.Ready);
    }

    [Fact]
    public void CreatedInstanceIsEmptyWaiting()
    {
        var pod = Pod("Always", [C("app")]);
        var app = new StatusSequence(pod).Step(StatusRuntimeBuilder.WithSandbox().Created("app")).Container("app");
        Assert.NotNull(app.State.Waiting);
        Assert.Null(app.State.Waiting.Reason);
    }

    [Fact]
    public void ExitedInstanceReportsRuntimeTermination()
    {
        var pod = Pod("Never", [C("app")]);
        var app = new StatusSequence(pod).Step(StatusRuntimeBuilder.WithSandbox().Exited("app", 3, message: "boom")).Container("app");
        var t = app.State.Terminated;
        Assert.Equal(3, t.ExitCode);
        Assert.Equal(ContainerReasons.Error, t.Reason);
        Assert.Equal("boom", t.Message);
        Assert.Equal("podvisor://app-0", t.ContainerID);
        Assert.NotNull(t.StartedAt);
        Assert.NotNull(t.FinishedAt);
        Assert.False(app.Ready);
        Assert.False(app.Started);
    }

    [Fact]
    public void CR_10_CrashLoopBackOffWaitingKeepsNeverPodRunning()
    {
        var pod = Pod("Never", [C("c", "Never", RestartOn(42))]);
        var seq = new StatusSequence(pod);
        seq.Step(StatusRuntimeBuilder.WithSandbox().Running("c"));
        seq.ReasonCache["c"] = new ContainerStartFailure(ContainerReasons.CrashLoopBackOff, "back-off 10s restarting failed container=c pod=p_default(uid-1)");
        var status = seq.Step(StatusRuntimeBuilder.WithSandbox().Exited("c", 42));

        var c = status.Container("c");
        Assert.Equal(ContainerReasons.CrashLoopBackOff, c.State.Waiting.Reason);
        Assert.Equal("back-off 10s restarting failed container=c pod=p_default(uid-1)", c.State.Waiting.Message);
        Assert.Equal(42, c.LastState.Terminated.ExitCode);
        Assert.Equal(PodPhases.Running, status.Phase);
        Assert.Equal("containers with unready status: [c]", status.Condition(PodConditions.ContainersReady).Message);
    }

    [Fact]
    public void CR_10_NonRestartableExitIgnoresReasonCache()
    {
        var pod = Pod("Never", [C("c", "Never", RestartOn(42))]);
        var seq = new StatusSequence(pod);
        seq.ReasonCache["c"] = new ContainerStartFailure(ContainerReasons.CrashLoopBackOff, "x");
        var status = seq.Step(StatusRuntimeBuilder.WithSandbox().Exited("c", 1));
        Assert.Equal(1, status.Container("c").State.Terminated.ExitCode);
        Assert.Equal(PodPhases.Failed, status.Phase);
    }

    [Fact]
    public void StartFailureWithoutInstanceIsWaitingWithReason()
    {
        var pod = Pod("Always", [C("app")]);
        var seq = new StatusSequence(pod);
        seq.ReasonCache["app"] = new ContainerStartFailure(ContainerReasons.RunContainerError, "exec: \"nope\": not found");
        var app = seq.Step(StatusRuntimeBuilder.WithSandbox()).Container("app");
        Assert.Equal(ContainerReasons.RunContainerError, app.State.Waiting.Reason);
        Assert.Null(app.LastState.Terminated);
    }

    [Fact]
    public void CL_03_InitFailureUnderNeverFailsPodAndAppWaitsPodInitializing()
    {
        var pod = Pod("Never", [C("c")], [C("a")]);
        var status = new StatusSequence(pod).Step(StatusRuntimeBuilder.WithSandbox().Exited("a", 1));

        Assert.Equal(PodPhases.Failed, status.Phase);
        Assert.Equal(1, status.Container("a").State.Terminated.ExitCode);
        Assert.Equal(ContainerReasons.PodInitializing, status.Container("c").State.Waiting.Reason);
        var initialized = status.Condition(PodConditions.Initialized);
        Assert.Equal("False", initialized.Status);
        Assert.Equal("containers with incomplete status: [a]", initialized.Message);
    }

    [Fact]
    public void CompletedInitContainerIsReadyAndStaysCompleted()
    {
        var pod = Pod("Always", [C("app")], [C("init")]);
        var seq = new StatusSequence(pod);
        seq.Step(StatusRuntimeBuilder.WithSandbox().Running("init"));
        var status = seq.Step(StatusRuntimeBuilder.WithSandbox().Exited("init", 0).Running("app"));
        var init = status.Container("init");
        Assert.Equal(ContainerReasons.Completed, init.State.Terminated.Reason);
        Assert.True(init.Ready);
        Assert.False(init.Started);
        Assert.Equal("True", status.Condition(PodConditions.Initialized).Status);
    }

    [Fact]
    public void InitStatusLostAfterRegularStartedIsTreatedAsCompleted()
    {
        var pod = Pod("Always", [C("app")], [C("init")]);
        var init = new StatusSequence(pod).Step(StatusRuntimeBuilder.WithSandbox().Running("app")).Container("init");
        Assert.Equal(0, init.State.Terminated.ExitCode);
        Assert.Equal(ContainerStatusBuilder.InitStatusLostMessage, init.State.Terminated.Message);
    }

    [Fact]
    public void ContainerStatusesSortedByNameInitInSpecOrder()
    {
        var pod = Pod("Always", [C("zeta"), C("alpha"), C("mid")], [C("z-init"), C("a-init")]);
        var status = new StatusSequence(pod).Step(StatusRuntimeBuilder.WithSandbox());
        Assert.Equal(["alpha", "mid", "zeta"], status.ContainerStatuses.Select(s => s.Name));
        Assert.Equal(["z-init", "a-init"], status.InitContainerStatuses.Select(s => s.Name));
    }

    [Fact]
    public void LostRunningContainerIsTerminatedUnknown()
    {
        var pod = Pod("Always", [C("app")]);
        var seq = new StatusSequence(pod);
        seq.Step(StatusRuntimeBuilder.WithSandbox().Running("app"));
        var app = seq.Step(StatusRuntimeBuilder.WithSandbox().Unknown("app")).Container("app");
        Assert.Equal(ContainerReasons.ContainerStatusUnknown, app.State.Terminated.Reason);
        Assert.Equal(LostContainer.WhenTerminatedMessage, app.State.Terminated.Message);
        Assert.Equal(137, app.State.Terminated.ExitCode);
        Assert.Equal(1, app.RestartCount);
    }

    [Fact]
    public void VanishedRunningContainerGetsUnknownLastStateAndRestartCount()
    {
        var pod = Pod("Always", [C("app")]);
        var seq = new StatusSequence(pod);
        seq.Step(StatusRuntimeBuilder.WithSandbox().Running("app"));
        var app = seq.Step(StatusRuntimeBuilder.WithSandbox()).Container("app");
        Assert.Equal(ContainerReasons.ContainerCreating, app.State.Waiting.Reason);
        Assert.Equal(LostContainer.WhenDeletedMessage, app.LastState.Terminated.Message);
        Assert.Equal(1, app.RestartCount);
        // The next generation sees a waiting old state and does not count again.
        Assert.Equal(1, seq.Step(StatusRuntimeBuilder.WithSandbox()).Container("app").RestartCount);
    }

    public static TheoryData<bool, ProbeResult, ProbeResult, bool, bool> ProbeTable()
    {
        var data = new TheoryData<bool, ProbeResult, ProbeResult, bool, bool>();
        foreach (var hasStartup in new[] { false, true })
        {
            foreach (var startup in Enum.GetValues<ProbeResult>())
            {
                foreach (var readiness in Enum.GetValues<ProbeResult>())
                {
                    var started = startup == ProbeResult.Success || (startup == ProbeResult.Unknown && !hasStartup);
                    data.Add(hasStartup, startup, readiness, started, started && readiness == ProbeResult.Success);
                }
            }
        }

        return data;
    }

    /// <summary>docs/lifecycle.md §8: started from the startup probe (or running without one); ready needs started and a readiness Success.</summary>
    [Theory]
    [MemberData(nameof(ProbeTable))]
    public void StartedAndReadyFollowProbes(bool hasStartup, ProbeResult startup, ProbeResult readiness, bool started, bool ready)
    {
        var container = C("app").WithReadiness();
        if (hasStartup)
        {
            container.WithStartup();
        }

        var seq = new StatusSequence(Pod("Always", [container]))
        {
            Probes = new FakeProbeResults().Set(ProbeType.Startup, "app-0", startup).Set(ProbeType.Readiness, "app-0", readiness),
        };
        var app = seq.Step(StatusRuntimeBuilder.WithSandbox().Running("app")).Container("app");
        Assert.Equal(started, app.Started);
        Assert.Equal(ready, app.Ready);
    }

    [Fact]
    public void SidecarReadinessCountsTowardContainersReady()
    {
        var pod = Pod("Always", [C("app")], [Sidecar("proxy").WithReadiness()]);
        var seq = new StatusSequence(pod);
        var status = seq.Step(StatusRuntimeBuilder.WithSandbox().Running("proxy").Running("app"));
        Assert.True(status.Container("proxy").Started);
        Assert.False(status.Container("proxy").Ready);
        Assert.Equal("containers with unready status: [proxy]", status.Condition(PodConditions.ContainersReady).Message);

        seq.Probes = new FakeProbeResults().Set(ProbeType.Readiness, "proxy-0", ProbeResult.Success);
        status = seq.Step(StatusRuntimeBuilder.WithSandbox().Running("proxy").Running("app"));
        Assert.True(status.Container("proxy").Ready);
        Assert.Equal("True", status.Condition(PodConditions.Ready).Status);
    }

    [Fact]
    public void VolumeMountsReportedFromSpec()
    {
        var c = C("app");
        c.VolumeMounts = [new V1VolumeMount { Name = "runs", MountPath = "/state" }, new V1VolumeMount { Name = "token", MountPath = "/var/run", ReadOnlyProperty = true }];
        var pod = Pod("Always", [c]);
        var seq = new StatusSequence(pod);
        foreach (var status in new[] { seq.Step(StatusRuntimeBuilder.WithSandbox()), seq.Step(StatusRuntimeBuilder.WithSandbox().Running("app")) })
        {
            var mounts = status.Container("app").VolumeMounts;
            Assert.Equal(["runs", "token"], mounts.Select(m => m.Name));
            Assert.Null(mounts[0].RecursiveReadOnly);
            Assert.Equal("Disabled", mounts[1].RecursiveReadOnly);
            Assert.True(mounts[1].ReadOnlyProperty);
        }
    }

    [Fact]
    public void GeneratorDoesNotMutateOldStatus()
    {
        var pod = Pod("Never", [C("trigger", "Never", RestartAllOn(3)), C("bystander")]);
        var seq = new StatusSequence(pod);
        seq.Step(StatusRuntimeBuilder.WithSandbox().Running("trigger").Running("bystander"));
        var before = seq.Step(StatusRuntimeBuilder.WithSandbox().Exited("trigger", 3).Running("bystander"));
        var snapshot = k8s.KubernetesJson.Serialize(before);
        seq.Step(StatusRuntimeBuilder.WithSandbox().Exited("trigger", 3));
        seq.Step(StatusRuntimeBuilder.WithSandbox());
        Assert.Equal(snapshot, k8s.KubernetesJson.Serialize(before));
    }
}
