using k8s.Models;
using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Probes;

/// <summary>
/// Each readiness handler for real, against a process in the pod, through the pod IP: not ready (with upstream's
/// Unhealthy message) until the process makes it ready, then Ready; httpGet also back to not ready.
/// </summary>
public sealed class ReadinessProbeTests : ProbeTest
{
    [RootFact]
    public async Task HttpGet_500IsNotReady_200FlipsReadyTrue_AndBack()
    {
        await StartAsync();
        WriteScript("server.py", PodScripts.HttpServer);
        var pod = Run("""
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

        var running = await StatusAsync(pod, "c running", s => s.IsRunning("c"));
        AssertOwnPodIp(running);
        await EventAsync(pod, "c", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 500");
        Assert.False(pod.Status.ConditionIs("Ready", "True"), Describe());

        Touch("healthy");
        await StatusAsync(pod, "Ready=True", s => s.ConditionIs("Ready", "True") && s.IsReady("c"));

        File.Delete(RecPath("healthy"));
        var again = await StatusAsync(pod, "Ready=False again", s => s.ConditionIs("Ready", "False"));
        Assert.Equal("containers with unready status: [c]", again.Condition("Ready")!.Message);
    }

    [RootFact]
    public async Task TcpSocket_RefusedIsNotReady_ListenerFlipsReadyTrue()
    {
        await StartAsync();
        WriteScript("listen.py", PodScripts.TcpListener);
        var pod = Run("""
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

        var ip = (await StatusAsync(pod, "c running", s => s.IsRunning("c"))).PodIP;
        await EventAsync(pod, "c", "Unhealthy", $"Readiness probe failed: dial tcp {ip}:9000: connect: connection refused");

        Touch("listen");
        var ready = await StatusAsync(pod, "Ready=True", s => s.ConditionIs("Ready", "True"));
        Assert.True(ready.IsReady("c"));
        AssertOwnPodIp(ready);
    }

    [RootFact]
    public async Task Exec_FlipsReadyWhenTheFileAppears()
    {
        var pod = await RunPodAsync("""
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

        await StatusAsync(pod, "c started, not ready", s => s.IsStarted("c") && !s.IsReady("c"));
        await EventAsync(pod, "c", "Unhealthy", "Readiness probe failed: ");

        Touch("ready");
        await StatusAsync(pod, "c ready", s => s.IsReady("c") && s.ConditionIs("ContainersReady", "True"));
    }

    [RootFact]
    public async Task Grpc_NotServingIsNotReady_ServingFlipsReadyTrue()
    {
        await StartAsync();
        WriteScript("health.js", PodScripts.GrpcHealthServer);
        var pod = Run("""
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

        await EventAsync(pod, "c", "Unhealthy", "Readiness probe failed: service unhealthy (responded with \"NOT_SERVING\")");
        Touch("serving");
        var ready = await StatusAsync(pod, "Ready=True", s => s.ConditionIs("Ready", "True"));
        AssertOwnPodIp(ready);
    }

    /// <summary>An exec probe that outlives timeoutSeconds fails with upstream's text (and its process is killed).</summary>
    [RootFact]
    public async Task Exec_TimeoutIsAFailure()
    {
        var pod = await RunPodAsync("""
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

        await EventAsync(pod, "c", "Unhealthy", "Readiness probe failed: command \"sleep 30\" timed out");
        Assert.False(pod.Status.IsReady("c"));
    }

    /// <summary>The pod has its own address (its network namespace), so a probe that passed went through it.</summary>
    private static void AssertOwnPodIp(V1PodStatus status)
    {
        Assert.False(string.IsNullOrEmpty(status.PodIP));
        Assert.NotEqual(status.HostIP, status.PodIP);
        Assert.False(System.Net.IPAddress.IsLoopback(System.Net.IPAddress.Parse(status.PodIP)));
    }
}
