using k8s.Models;
using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Probes;

/// <summary>How probes gate a pod's start: sidecar startup probes and the condition sequence of a readiness probe.</summary>
public sealed class StartupOrderTests : ProbeTest
{
    /// <summary>
    /// CL-04: the init container after a sidecar starts only once the sidecar's startupProbe succeeded (the sidecar
    /// shows started: false until then, true after); the regular container after the init container; the sidecar keeps running.
    /// </summary>
    [RootFact]
    public async Task CL_04_SidecarStartupProbeGatesTheNextInitContainer()
    {
        var pod = await RunPodAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: cl-04}
            spec:
              initContainers:
              - name: s
                image: busybox
                restartPolicy: Always
                command: [sleep, "3600"]
                startupProbe:
                  exec: {command: [test, -f, "{rec}/s-started"]}
                  periodSeconds: 1
                  timeoutSeconds: 5
                  failureThreshold: 60
              - name: i
                image: busybox
                command: [touch, "{rec}/i-ran"]
              containers:
              - name: c
                image: busybox
                command: [sleep, "3600"]
            """);

        await EventAsync(pod, "two startup failures of s", e => IsAbout(e, "s", "Unhealthy") && e.Message == "Startup probe failed: " && e.Count >= 2);
        var waiting = pod.Status;
        Assert.True(waiting.IsRunning("s") && !waiting.IsStarted("s"), Describe());
        Assert.Equal("PodInitializing", waiting.Of("i")?.State?.Waiting?.Reason);
        Assert.Equal(["s"], pod.StartOrder);
        Assert.False(File.Exists(RecPath("i-ran")));

        Touch("s-started");
        var running = await StatusAsync(pod, "c running", s => s.IsRunning("c"));
        Assert.Equal(["s", "i", "c"], pod.StartOrder);
        Assert.Equal("Completed", running.Container("i").State.Terminated.Reason);
        Assert.True(running.IsRunning("s") && running.IsStarted("s"), Describe());
        Assert.Equal(0, running.Container("s").RestartCount);
    }

    /// <summary>
    /// A sidecar's probes: its readiness counts toward ContainersReady and Ready; a liveness failure kills and
    /// restarts it with computeInitContainerActions' message (no ", will be restarted": sidecars always restart).
    /// </summary>
    [RootFact]
    public async Task SidecarProbes_ReadinessGatesPodReady_LivenessRestartsIt()
    {
        var pod = await RunPodAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: sidecar-probes}
            spec:
              initContainers:
              - name: s
                image: busybox
                restartPolicy: Always
                command: [sh, -c, "if [ -f {rec}/ran ]; then touch {rec}/healthy; else touch {rec}/ran; fi; exec sleep 3600"]
                livenessProbe:
                  exec: {command: [test, -f, "{rec}/healthy"]}
                  periodSeconds: 1
                  timeoutSeconds: 5
                  failureThreshold: 1
                readinessProbe:
                  exec: {command: [test, -f, "{rec}/s-ready"]}
                  periodSeconds: 1
                  timeoutSeconds: 5
              containers:
              - name: c
                image: busybox
                command: [sleep, "3600"]
            """);

        await EventAsync(pod, "s", "Killing", "Init container s failed liveness probe");
        var restarted = await StatusAsync(pod, "s restarted, c running", s => s.IsRunning("s") && s.RestartCount("s") == 1 && s.IsRunning("c"));
        var ready = restarted.Condition("Ready")!;
        Assert.Equal(("False", "containers with unready status: [s]"), (ready.Status, ready.Message));

        Touch("s-ready");
        await StatusAsync(pod, "Ready=True", s => s.ConditionIs("Ready", "True") && s.IsReady("s"));
    }

    /// <summary>
    /// CL-11: PodReadyToStartContainers False then True; Initialized True; ContainersReady and Ready False with
    /// "containers with unready status: [c]" until the readiness probe passes, then True; PodScheduled True throughout;
    /// every lastTransitionTime changes only when its condition's status flips.
    /// </summary>
    [RootFact]
    public async Task CL_11_ConditionSequenceWithAReadinessProbe()
    {
        var pod = await RunPodAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: cl-11}
            spec:
              containers:
              - name: c
                image: busybox
                command: [sleep, "3600"]
                readinessProbe:
                  exec: {command: [test, -f, "{rec}/ready"]}
                  periodSeconds: 1
                  timeoutSeconds: 5
            """);

        await StatusAsync(pod, "c started, not ready", s => s.IsStarted("c") && !s.IsReady("c"));
        Touch("ready");
        await StatusAsync(pod, "Ready=True", s => s.ConditionIs("Ready", "True"));
        var statuses = pod.History;

        Assert.Equal(["False", "True"], Flips(statuses, "PodReadyToStartContainers"));
        Assert.Equal("PodSandboxNotReady", statuses[0].Condition("PodReadyToStartContainers")!.Reason);
        Assert.Equal(["True"], Flips(statuses, "Initialized"));
        Assert.Equal(["True"], Flips(statuses, "PodScheduled"));
        foreach (var type in new[] { "ContainersReady", "Ready" })
        {
            Assert.Equal(["False", "True"], Flips(statuses, type));
            Assert.All(statuses.Select(s => s.Condition(type)!).Where(c => c.Status == "False"), c =>
                Assert.Equal(("ContainersNotReady", "containers with unready status: [c]"), (c.Reason, c.Message)));
        }

        foreach (var type in statuses.SelectMany(s => s.Conditions).Select(c => c.Type).Distinct())
        {
            AssertTransitionTimeChangesOnlyOnFlips(statuses, type);
        }
    }

    /// <summary>The condition's successive distinct statuses.</summary>
    private static List<string> Flips(IReadOnlyList<V1PodStatus> statuses, string type)
    {
        var flips = new List<string>();
        foreach (var status in statuses.Select(s => s.Condition(type)?.Status).OfType<string>())
        {
            if (flips.Count == 0 || flips[^1] != status)
            {
                flips.Add(status);
            }
        }

        return flips;
    }

    private static void AssertTransitionTimeChangesOnlyOnFlips(IReadOnlyList<V1PodStatus> statuses, string type)
    {
        V1PodCondition? previous = null;
        foreach (var condition in statuses.Select(s => s.Condition(type)).OfType<V1PodCondition>())
        {
            if (previous is not null && previous.Status == condition.Status)
            {
                Assert.Equal(previous.LastTransitionTime, condition.LastTransitionTime);
            }

            previous = condition;
        }
    }
}
