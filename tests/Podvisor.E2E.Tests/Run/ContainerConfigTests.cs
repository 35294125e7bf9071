using Podvisor.Core.Model;
using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Run;

/// <summary>docs/contracts.md §3 with real processes: start failures, runAsUser/runAsGroup, env fieldRef and $(VAR).</summary>
public sealed class ContainerConfigTests : AgentTest
{
    [RootFact]
    public async Task MissingBinaryIsRunContainerErrorWithAFailedEventAndTheAgentCarriesOn()
    {
        var pod = await RunAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: missing-binary}
            spec:
              containers:
              - {name: broken, image: busybox, command: ["/nonexistent/podvisor-e2e-binary"]}
              - {name: fine, image: busybox, command: ["sleep", "10000"]}
            """);

        var waiting = await pod.WaitForAsync(s => s.Of("broken")?.State?.Waiting?.Reason == ContainerReasons.RunContainerError && s.IsRunning("fine"),
            "broken waiting with RunContainerError, fine Running");
        await pod.WaitForEventAsync(EventReasons.Failed, "broken");

        Assert.Contains("/nonexistent/podvisor-e2e-binary", waiting.Container("broken").State.Waiting.Message, StringComparison.Ordinal);
        var failed = pod.EventsWith(EventReasons.Failed, "broken").First();
        Assert.Equal("Warning", failed.Type);
        Assert.StartsWith("Error: ", failed.Message, StringComparison.Ordinal);
        Assert.Equal(PodPhases.Running, waiting.Phase);
        Assert.DoesNotContain(Harness.Problems.Problems, p => p.StartsWith("Error", StringComparison.Ordinal));
        await pod.DeleteAsync();
    }

    [RootFact]
    public async Task RunAsUserAndGroupAreTheProcessCredentials()
    {
        var pod = await RunAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: run-as}
            spec:
              restartPolicy: Never
              securityContext: {runAsUser: 4242, runAsGroup: 4343}
              containers:
              - {name: pod-level, image: busybox, command: ["/bin/sh", "-c", "echo $(id -u) $(id -g)"]}
              - {name: own, image: busybox, securityContext: {runAsUser: 1234}, command: ["/bin/sh", "-c", "echo $(id -u) $(id -g)"]}
            """);

        await pod.WaitForPhaseAsync(PodPhases.Succeeded);

        Assert.Equal("4242 4343\n", pod.Log("pod-level", 0));
        Assert.Equal("1234 4343\n", pod.Log("own", 0));
    }

    [RootFact]
    public async Task EnvFieldRefsCarryThePodIdentityAndIpAndExpandInArgv()
    {
        var pod = await RunAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: downward, namespace: e2e, labels: {app: web}}
            spec:
              restartPolicy: Never
              containers:
              - name: app
                image: busybox
                command: ["/bin/sh", "-c", "echo \"$POD_NAME|$POD_NAMESPACE|$POD_UID|$POD_IP|$NODE|$APP|$GREETING\""]
                env:
                - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                - {name: POD_NAMESPACE, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
                - {name: POD_UID, valueFrom: {fieldRef: {fieldPath: metadata.uid}}}
                - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
                - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
                - {name: APP, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}}
                - {name: GREETING, value: "hello $(POD_NAME)"}
              - name: argv
                image: busybox
                command: ["echo", "$(POD_NAME)", "$$(POD_NAME)", "$(UNDEFINED)", "$(POD_IP)"]
                env: [{name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}, {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}]
            """);

        var succeeded = await pod.WaitForPhaseAsync(PodPhases.Succeeded);

        Assert.NotNull(succeeded.PodIP);
        Assert.Equal($"downward|e2e|{pod.Uid}|{succeeded.PodIP}|e2e-node|web|hello downward\n", pod.Log("app", 0));
        Assert.Equal($"downward $(POD_NAME) $(UNDEFINED) {succeeded.PodIP}\n", pod.Log("argv", 0));
    }

    [RootFact]
    public async Task HostNetworkPodReportsTheNodeIpAndGetsNoNetworkNamespace()
    {
        var pod = await RunAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: host-network}
            spec:
              restartPolicy: Never
              hostNetwork: true
              containers: [{name: c, image: busybox, command: ["readlink", "/proc/self/ns/net"]}]
            """);

        var succeeded = await pod.WaitForPhaseAsync(PodPhases.Succeeded);

        Assert.Equal(succeeded.HostIP, succeeded.PodIP);
        Assert.Equal(new FileInfo("/proc/self/ns/net").LinkTarget + "\n", pod.Log("c", 0));
    }
}
