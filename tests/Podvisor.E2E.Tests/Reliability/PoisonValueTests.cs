using k8s;
using k8s.Models;
using Podvisor.E2E.Tests.Api;
using Podvisor.E2E.Tests.Serve;

namespace Podvisor.E2E.Tests.Reliability;

/// <summary>
/// Values the apiserver accepts that crashed or wedged serve (issue 14): serve keeps running, survives a restart with
/// the pod in its store, other pods keep working; bad status writes and log queries get the apiserver's 4xx.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class PoisonValueTests
{
    private const string Poison = """
        apiVersion: v1
        kind: Pod
        metadata: {name: poison}
        spec:
          terminationGracePeriodSeconds: 9223372036854775807
          containers:
          - name: main
            image: busybox
            command: [sleep, "3600"]
            livenessProbe:
              exec: {command: ["true"]}
              initialDelaySeconds: 2147483647
              timeoutSeconds: 2147483647
              periodSeconds: 2147483647
            readinessProbe:
              exec: {command: ["true"]}
              initialDelaySeconds: 2147483647
        """;

    private const string Healthy = """
        apiVersion: v1
        kind: Pod
        metadata: {name: healthy}
        spec:
          restartPolicy: Never
          containers:
          - {name: main, image: busybox, command: ["true"]}
        """;

    [KubectlTheory]
    [InlineData("1.33")]
    public async Task HugeDurationsDoNotCrashServeBeforeOrAfterARestart(string version)
    {
        await using var h = await ServeHarness.StartAsync();
        var k = h.Kubectl(version);
        await k.RunWithInputAsync(Poison, "apply", "-f", "-");
        using (var watcher = await h.WatchPodAsync("poison"))
        {
            await watcher.WaitAsync(p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Running is not null, "running");
        }

        // The probe timers are armed now; the crash came ~1 s later. A pod that runs to completion proves the agent lives on.
        await k.RunWithInputAsync(Healthy, "apply", "-f", "-");
        await k.OkAsync("wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/healthy", "--timeout=60s");
        await h.RestartAsync();
        await h.Kubectl(version).OkAsync("wait", "--for=jsonpath={.status.phase}=Running", "pod/poison", "--timeout=60s");
        await h.Client.CoreV1.DeleteNamespacedPodAsync("poison", "default", gracePeriodSeconds: 0);
        await h.StopAsync();
    }

    [KubectlTheory]
    [InlineData("1.33")]
    public async Task BadStatusWritesAndLogQueriesAreRefusedAndKubectlGetPodsKeepsWorking(string version)
    {
        await using var h = await ApiServerHarness.StartAsync();
        var k = new Kubectl(version, h);
        await k.RunWithInputAsync(Healthy.Replace("command: [\"true\"]", "command: [sleep, null]", StringComparison.Ordinal), "apply", "-f", "-");
        var pod = KubernetesJson.Deserialize<V1Pod>(await k.OkAsync("get", "pod", "healthy", "-o", "json"));
        Assert.Equal(["sleep", ""], pod.Spec.Containers[0].Command);

        var status = await k.RunAsync("patch", "pod", "healthy", "--subresource=status", "--type=merge", "-p", """{"status":{"conditions":[null]}}""");
        Assert.NotEqual(0, status.ExitCode);
        Assert.Contains("status.conditions[0].Type: Invalid value: \"\": name part must be non-empty", status.Stderr, StringComparison.Ordinal);
        Assert.Contains("healthy", await k.OkAsync("get", "pods"));

        // kubectl checks these flags itself; a raw client reaches the server's validation.
        using var http = h.Http();
        foreach (var (query, code, message) in new[]
        {
            ("tailLines=-5", 422, "PodLogOptions \"healthy\" is invalid: tailLines: Invalid value: -5: must be greater than or equal to 0"),
            ("limitBytes=0", 422, "PodLogOptions \"healthy\" is invalid: limitBytes: Invalid value: 0: must be greater than 0"),
            ("sinceSeconds=-1", 422, "PodLogOptions \"healthy\" is invalid: sinceSeconds: Invalid value: -1: must be greater than 0"),
        })
        {
            using var response = await http.GetAsync("/api/v1/namespaces/default/pods/healthy/log?" + query);
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal((query, code), (query, (int)response.StatusCode));
            Assert.Equal(message, System.Text.Json.Nodes.JsonNode.Parse(body)!["message"]!.GetValue<string>());
        }

        // Valid, and far beyond the clock's range (it gave a 500): everything is "since" then.
        using var since = await http.GetAsync("/api/v1/namespaces/default/pods/healthy/log?sinceSeconds=9223372036854775807");
        Assert.True((int)since.StatusCode < 500, $"sinceSeconds=int64 max answered {(int)since.StatusCode}");
    }
}
