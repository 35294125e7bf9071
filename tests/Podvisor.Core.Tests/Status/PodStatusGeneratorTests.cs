using k8s.Models;
using Podvisor.Core.Model;
using Podvisor.Core.Status;
using Podvisor.Core.Tests.Support;
using static Podvisor.Core.Tests.Support.StatusPods;

namespace Podvisor.Core.Tests.Status;

/// <summary>Pod-level fields and the status-manager rules (docs/lifecycle.md §6.12, §7 terminal stickiness).</summary>
public class PodStatusGeneratorTests
{
    private static V1PodStatus Generate(V1Pod pod, StatusRuntimeBuilder runtime, V1PodStatus? old = null, string? hostIp = "172.18.0.2", DateTimeOffset? now = null) =>
        PodStatusGenerator.Generate(new StatusInput
        {
            Pod = pod,
            Runtime = runtime.Build(),
            OldStatus = old,
            Now = now ?? T0,
            HostIp = hostIp,
        });

    [Fact]
    public void AddressesStartTimeQosAndGeneration()
    {
        var pod = Pod("Always", [C("a")]);
        pod.Metadata.Generation = 3;
        var status = Generate(pod, StatusRuntimeBuilder.WithSandbox("10.88.0.7").Running("a"), now: T0.AddMilliseconds(900));

        Assert.Equal("10.88.0.7", status.PodIP);
        Assert.Equal(["10.88.0.7"], status.PodIPs.Select(p => p.Ip));
        Assert.Equal("172.18.0.2", status.HostIP);
        Assert.Equal(["172.18.0.2"], status.HostIPs.Select(p => p.Ip));
        Assert.Equal(T0.UtcDateTime, status.StartTime);
        Assert.Equal(PodQos.BestEffort, status.QosClass);
        Assert.Equal(3, status.ObservedGeneration);
        Assert.Null(status.InitContainerStatuses);

        var later = Generate(pod, StatusRuntimeBuilder.WithSandbox("10.88.0.7").Running("a"), old: status, now: T0.AddHours(1));
        Assert.Equal(status.StartTime, later.StartTime);
    }

    [Fact]
    public void HostNetworkPodGetsHostIp()
    {
        var pod = Pod("Always", [C("a")]);
        pod.Spec.HostNetwork = true;
        var status = Generate(pod, new StatusRuntimeBuilder().Sandbox(true, ip: null).Running("a"));
        Assert.Equal("172.18.0.2", status.PodIP);
    }

    [Fact]
    public void PodIpKeptWhenSandboxIsGone()
    {
        var pod = Pod("Never", [C("a")]);
        var first = Generate(pod, StatusRuntimeBuilder.WithSandbox("10.88.0.9").Exited("a", 0));
        var after = Generate(pod, new StatusRuntimeBuilder().Exited("a", 0), old: first, hostIp: null);
        Assert.Equal("10.88.0.9", after.PodIP);
        Assert.Equal("172.18.0.2", after.HostIP);
    }

    public static TheoryData<string?, string?, string?, string?, string> QosTable() => new()
    {
        { null, null, null, null, PodQos.BestEffort },
        { "100m", "64Mi", null, null, PodQos.Burstable },
        { "100m", "64Mi", "100m", "64Mi", PodQos.Guaranteed },
        { "100m", "64Mi", "200m", "64Mi", PodQos.Burstable },
        { null, null, "100m", "64Mi", PodQos.Burstable },
        { "0.1", "64Mi", "100m", "67108864", PodQos.Guaranteed },
        { "100m", null, "100m", null, PodQos.Burstable },
    };

    [Theory]
    [MemberData(nameof(QosTable))]
    public void QosClass(string? cpuRequest, string? memRequest, string? cpuLimit, string? memLimit, string expected)
    {
        static Dictionary<string, ResourceQuantity>? List(string? cpu, string? mem)
        {
            var list = new Dictionary<string, ResourceQuantity>();
            if (cpu is not null)
            {
                list["cpu"] = new ResourceQuantity(cpu);
            }

            if (mem is not null)
            {
                list["memory"] = new ResourceQuantity(mem);
            }

            return list.Count > 0 ? list : null;
        }

        var c = C("a");
        c.Resources = new V1ResourceRequirements { Requests = List(cpuRequest, memRequest), Limits = List(cpuLimit, memLimit) };
        Assert.Equal(expected, PodQos.Compute(Pod("Always", [c]).Spec));

        // An init container without limits keeps the pod from being Guaranteed; one without requests changes nothing else.
        var withInit = PodQos.Compute(Pod("Always", [c], [C("init")]).Spec);
        Assert.Equal(expected == PodQos.Guaranteed ? PodQos.Burstable : expected, withInit);

        // Pod-level resources replace the container sum.
        var podLevel = Pod("Always", [C("plain")]);
        podLevel.Spec.Resources = c.Resources;
        Assert.Equal(expected, PodQos.Compute(podLevel.Spec));
    }

    [Fact]
    public void ContainerResourcesReportedForInstances()
    {
        var c = C("a");
        c.Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("10m") } };
        var status = Generate(Pod("Always", [c, C("b")]), StatusRuntimeBuilder.WithSandbox().Running("a").Running("b"));
        Assert.Equal("10m", status.Container("a").Resources.Requests["cpu"].ToString());
        Assert.Equal("10m", status.Container("a").AllocatedResources["cpu"].ToString());
        Assert.NotNull(status.Container("b").Resources);
        Assert.Null(status.Container("b").AllocatedResources);
    }

    [Fact]
    public void PodResourcesAggregateLikeTheHealthySidecarCapture()
    {
        static V1Container Sized(V1Container c)
        {
            c.Resources = new V1ResourceRequirements
            {
                Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m"), ["memory"] = new("64Mi") },
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("10m"), ["memory"] = new("16Mi") },
            };
            return c;
        }

        var init = C("migrate");
        init.Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["memory"] = new("40Mi") } };
        var pod = Pod("Always", [Sized(C("app"))], [Sized(Sidecar("proxy")), init]);
        var status = Generate(pod, StatusRuntimeBuilder.WithSandbox().Running("proxy").Exited("migrate", 0).Running("app"));

        Assert.Equal(PodQos.Burstable, status.QosClass);
        Assert.Equal("20m", status.AllocatedResources["cpu"].ToString());
        // The regular init container ran beside the sidecar: 40Mi + 16Mi beats 16Mi + 16Mi.
        Assert.Equal("56Mi", status.AllocatedResources["memory"].ToString());
        Assert.Equal("200m", status.Resources.Limits["cpu"].ToString());
        Assert.Equal("128Mi", status.Resources.Limits["memory"].ToString());
    }

    [Theory]
    [InlineData(PodPhases.Succeeded)]
    [InlineData(PodPhases.Failed)]
    public void TerminalPhaseIsFinal(string terminal)
    {
        var pod = Pod("Always", [C("a")]);
        var old = new V1PodStatus { Phase = terminal, Reason = "Evicted", Message = "gone" };
        var status = Generate(pod, StatusRuntimeBuilder.WithSandbox().Running("a"), old);
        Assert.Equal(terminal, status.Phase);
        Assert.Equal("Evicted", status.Reason);
        Assert.Equal("gone", status.Message);

        pod.Status = new V1PodStatus { Phase = terminal };
        Assert.Equal(terminal, Generate(pod, StatusRuntimeBuilder.WithSandbox().Running("a"), new V1PodStatus { Phase = PodPhases.Running }).Phase);
    }

    [Fact]
    public void ReasonDroppedWhenPhaseChanges()
    {
        var pod = Pod("Always", [C("a")]);
        var old = new V1PodStatus { Phase = PodPhases.Pending, Reason = "Something", Message = "m" };
        var status = Generate(pod, StatusRuntimeBuilder.WithSandbox().Running("a"), old);
        Assert.Equal(PodPhases.Running, status.Phase);
        Assert.Null(status.Reason);
        Assert.Null(status.Message);
    }

    public static TheoryData<string, string?, bool, bool, bool> TransitionTable() => new()
    {
        // pod policy, container policy, RestartAll rule on another container, sidecar, accepted
        { "Never", null, false, false, false },
        { "Never", "Always", false, false, true },
        { "Never", null, true, false, true },
        { "Always", null, false, false, true },
        { "OnFailure", null, false, false, true },
        { "Never", "Never", false, true, true },
    };

    /// <summary>docs/lifecycle.md §6.12: a terminated container turning non-terminated is dropped unless a restart was allowed.</summary>
    [Theory]
    [MemberData(nameof(TransitionTable))]
    public void IllegalTransitionIsDropped(string podPolicy, string? containerPolicy, bool restartAllPod, bool sidecar, bool accepted)
    {
        var c = sidecar ? Sidecar("c") : C("c", containerPolicy);
        var containers = new List<V1Container> { C("other", restartAllPod ? "Never" : null, restartAllPod ? [RestartAllOn(99)] : []) };
        if (!sidecar)
        {
            containers.Add(c);
        }

        var pod = Pod(podPolicy, containers, sidecar ? [c] : null);
        var old = Generate(pod, StatusRuntimeBuilder.WithSandbox().Running("other").Exited("c", 1));
        var next = Generate(pod, StatusRuntimeBuilder.WithSandbox().Running("other").Running("c"), old, now: T0.AddSeconds(5));

        Assert.Equal(accepted, next.Container("c").State.Running is not null);
        if (!accepted)
        {
            Assert.Equal(k8s.KubernetesJson.Serialize(old), k8s.KubernetesJson.Serialize(next));
        }
    }

    [Fact]
    public void EphemeralContainersGetStatuses()
    {
        var pod = Pod("Always", [C("a")]);
        pod.Spec.EphemeralContainers = [new V1EphemeralContainer { Name = "debug", Image = "busybox" }];
        var status = Generate(pod, StatusRuntimeBuilder.WithSandbox().Running("a").Running("debug"));
        Assert.NotNull(Assert.Single(status.EphemeralContainerStatuses).State.Running);
    }

    [Fact]
    public void ActiveRegularContainerMustBelongToNewestSandbox()
    {
        var spec = Pod("Always", [C("a")]).Spec;
        var old = StatusRuntimeBuilder.WithSandbox().Exited("a", 0).Sandbox(true).Build();
        Assert.False(PodStatusGenerator.HasAnyActiveRegularContainerStarted(spec, old));
        Assert.True(PodStatusGenerator.HasAnyActiveRegularContainerStarted(spec, StatusRuntimeBuilder.WithSandbox().Exited("a", 0).Build()));
        Assert.False(PodStatusGenerator.HasAnyActiveRegularContainerStarted(spec, new StatusRuntimeBuilder().Exited("a", 0).Build()));
    }
}
