using k8s.Models;

namespace Podvisor.E2E.Tests.Probes;

/// <summary>
/// Each readiness handler for real, against a process in the pod, through the pod IP: not ready (with upstream's
/// Unhealthy message) until the process makes it ready, then Ready; httpGet also back to not ready.
/// </summary>
public sealed class ReadinessProbeTests
{
    [RootFact]
    public async Task HttpGet_500IsNotReady_200FlipsReadyTrue_AndBack()
    {
        await using var h = await AgentHarness.StartAsync();
        PodScripts.Write(h, "server.py", PodScripts.HttpServer);
        var pod = h.Run("""
            apiVersion: v1
            kind: Pod
            metadata: {name: http-probe}
            spec:
              containers:
              - name: c
                image: python
                command: [python3, "{rec}/server.py", "8080", "{rec}"]
                ports: [{name: http, containerPort: 8080}]
                readinessProbe:
                  httpGet: {path: /healthz, port: http}
                  periodSeconds: 1
                  timeoutSeconds: 5
                  failureThreshold: 1
            """);

        var running = await h.StatusAsync(pod, "c running", s => s.IsRunning("c"));
        AssertOwnPodIp(running);
        await h.EventAsync(pod, "c", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 500");
        Assert.False(h.Sink.Latest(pod.Metadata.Uid)!.ConditionIs("Ready", "True"), h.Describe(pod));

        h.Touch("healthy");
        await h.StatusAsync(pod, "Ready=True", s => s.ConditionIs("Ready", "True") && s.IsReady("c"));

        File.Delete(h.RecPath("healthy"));
        var again = await h.StatusAsync(pod, "Ready=False again", s => s.ConditionIs("Ready", "False"));
        Assert.Equal("containers with unready status: [c]", again.Condition("Ready")!.Message);
    }

    [RootFact]
    public async Task TcpSocket_RefusedIsNotReady_ListenerFlipsReadyTrue()
    {
        await using var h = await AgentHarness.StartAsync();
        PodScripts.Write(h, "listen.py", PodScripts.TcpListener);
        var pod = h.Run("""
            apiVersion: v1
            kind: Pod
            metadata: {name: tcp-probe}
            spec:
              containers:
              - name: c
                image: python
                command: [python3, "{rec}/listen.py", "9000", "{rec}"]
                readinessProbe:
                  tcpSocket: {port: 9000}
                  periodSeconds: 1
                  timeoutSeconds: 5
            """);

        var ip = (await h.StatusAsync(pod, "c running", s => s.IsRunning("c"))).PodIP;
        await h.EventAsync(pod, "c", "Unhealthy", $"Readiness probe failed: dial tcp {ip}:9000: connect: connection refused");

        h.Touch("listen");
        var ready = await h.StatusAsync(pod, "Ready=True", s => s.ConditionIs("Ready", "True"));
        Assert.True(ready.IsReady("c"));
        AssertOwnPodIp(ready);
    }

    [RootFact]
    public async Task Exec_FlipsReadyWhenTheFileAppears()
    {
        await using var h = await AgentHarness.StartAsync();
        var pod = h.Run("""
            apiVersion: v1
            kind: Pod
            metadata: {name: exec-probe}
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

        await h.StatusAsync(pod, "c started, not ready", s => s.IsStarted("c") && !s.IsReady("c"));
        await h.EventAsync(pod, "c", "Unhealthy", "Readiness probe failed: ");

        h.Touch("ready");
        await h.StatusAsync(pod, "c ready", s => s.IsReady("c") && s.ConditionIs("ContainersReady", "True"));
    }

    [RootFact]
    public async Task Grpc_NotServingIsNotReady_ServingFlipsReadyTrue()
    {
        await using var h = await AgentHarness.StartAsync();
        PodScripts.Write(h, "health.js", PodScripts.GrpcHealthServer);
        var pod = h.Run("""
            apiVersion: v1
            kind: Pod
            metadata: {name: grpc-probe}
            spec:
              containers:
              - name: c
                image: node
                command: [node, "{rec}/health.js", "9100", "{rec}"]
                readinessProbe:
                  grpc: {port: 9100}
                  periodSeconds: 1
                  timeoutSeconds: 5
            """);

        await h.EventAsync(pod, "c", "Unhealthy", "Readiness probe failed: service unhealthy (responded with \"NOT_SERVING\")");
        h.Touch("serving");
        var ready = await h.StatusAsync(pod, "Ready=True", s => s.ConditionIs("Ready", "True"));
        AssertOwnPodIp(ready);
    }

    /// <summary>An exec probe that outlives timeoutSeconds fails with upstream's text (and its process is killed).</summary>
    [RootFact]
    public async Task Exec_TimeoutIsAFailure()
    {
        await using var h = await AgentHarness.StartAsync();
        var pod = h.Run("""
            apiVersion: v1
            kind: Pod
            metadata: {name: exec-timeout}
            spec:
              containers:
              - name: c
                image: busybox
                command: [sleep, "3600"]
                readinessProbe:
                  exec: {command: [sleep, "30"]}
                  periodSeconds: 1
                  timeoutSeconds: 1
            """);

        await h.EventAsync(pod, "c", "Unhealthy", "Readiness probe failed: command \"sleep 30\" timed out");
        Assert.False(h.Sink.Latest(pod.Metadata.Uid)!.IsReady("c"));
    }

    /// <summary>The probes reached the pod through its own address, not the host's.</summary>
    private static void AssertOwnPodIp(V1PodStatus status)
    {
        Assert.StartsWith("10.236.", status.PodIP);
        Assert.NotEqual(status.HostIP, status.PodIP);
    }
}
