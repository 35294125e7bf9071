using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Api;

/// <summary>
/// Real kubectl 1.27, 1.30 and 1.33 against the in-process API (fake agent): the node, OpenAPI-backed apply and
/// explain, unknown kinds, kubectl debug, auth can-i/whoami, namespace deletion, chunked lists, events.k8s.io.
/// </summary>
public sealed class KubectlCompletenessE2ETests
{
    private const string SleepPod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: NAME}
        spec:
          containers:
          - {name: main, image: busybox:1.36, command: ["sleep", "3600"]}
        """;

    private const string Deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec: {containers: [{name: main, image: busybox:1.36}]}
        """;

    public static TheoryData<string> Versions => new(Kubectl.Floors);

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task GetAndDescribeNodeListItsNonTerminatedPods(string version)
    {
        await using var h = await ApiServerHarness.StartAsync();
        var k = new Kubectl(version, h);
        await k.RunWithInputAsync(SleepPod.Replace("NAME", "web", StringComparison.Ordinal), "apply", "-f", "-");

        var table = Lines(await k.OkAsync("get", "nodes"));
        Assert.Matches(@"^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$", table[0]);
        Assert.Matches(@"^podvisor-node\s+Ready\s+<none>\s+\S+\s+v1\.36\.0-podvisor\.\S+$", table[1]);
        var wide = Lines(await k.OkAsync("get", "nodes", "-o", "wide"));
        Assert.Matches(@"INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE\s+KERNEL-VERSION\s+CONTAINER-RUNTIME$", wide[0]);
        Assert.Matches(@"<none>\s+.+\s+process://\S+$", wide[1]);
        Assert.Equal("[\"RestartAllContainersOnContainerExits\"]", await k.OkAsync("get", "node", "podvisor-node", "-o", "jsonpath={.status.declaredFeatures}"));

        var described = await k.OkAsync("describe", "node", "podvisor-node");
        Assert.Matches(@"Ready\s+True\s+.+KubeletReady\s+kubelet is posting ready status", described);
        Assert.Matches(@"pods:\s+110", described);
        Assert.Matches(@"Non-terminated Pods:\s+\(1 in total\)", described);
        Assert.Matches(@"default\s+web\s+0 \(0%\)", described);
    }

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task ApplyValidatesWithTheServersOpenapiAndExplainPrintsTheFields(string version)
    {
        await using var h = await ApiServerHarness.StartAsync();
        var k = new Kubectl(version, h);
        Assert.Contains("pod/ml-worker created", await k.OkAsync("apply", "--validate=strict", "-f", Repository.Example("ml-worker.yaml")));
        // Applying again changes nothing (kubectl may still send the $setElementOrder of the lists the ServiceAccount
        // admission appended to, as against a cluster).
        var before = await k.OkAsync("get", "pod", "ml-worker", "-o", "jsonpath={.spec}");
        Assert.Matches("pod/ml-worker (unchanged|configured)", await k.OkAsync("apply", "-f", Repository.Example("ml-worker.yaml")));
        Assert.Equal(before, await k.OkAsync("get", "pod", "ml-worker", "-o", "jsonpath={.spec}"));

        var explained = await k.OkAsync("explain", "pod.spec.containers.restartPolicyRules");
        Assert.Contains("restartPolicyRules", explained);
        Assert.Contains("exitCodes", explained);
        Assert.Contains("Represents a list of rules to be checked", explained);

        var unknown = await k.RunAsync("get", "deployments");
        Assert.Contains("the server doesn't have a resource type \"deployments\"", unknown.Stderr);
        var (code, _, stderr) = await k.RunWithInputAsync(Deployment, "apply", "-f", "-");
        Assert.NotEqual(0, code);
        Assert.Contains("no matches for kind \"Deployment\" in version \"apps/v1\"", stderr);
        Assert.DoesNotContain("--validate=false", stderr);
    }

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task DebugSaysEphemeralContainersAreDisabledAndAuthAnswersForTheSingleUser(string version)
    {
        await using var h = await ApiServerHarness.StartAsync();
        var k = new Kubectl(version, h);
        await k.RunWithInputAsync(SleepPod.Replace("NAME", "web", StringComparison.Ordinal), "apply", "-f", "-");
        var debug = await k.RunAsync("debug", "web", "--image=busybox:1.36");
        Assert.NotEqual(0, debug.ExitCode);
        Assert.Contains("ephemeral containers are disabled for this cluster", debug.Stderr);
        Assert.DoesNotContain("panic", debug.Stderr);

        Assert.Equal("yes", (await k.OkAsync("auth", "can-i", "delete", "pods")).Trim());
        Assert.Matches(@"Username\s+system:anonymous", await k.OkAsync("auth", "whoami"));
    }

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task DeleteNamespaceRemovesItsPodsAndThenItself(string version)
    {
        await using var h = await ApiServerHarness.StartAsync();
        var k = new Kubectl(version, h);
        await k.OkAsync("create", "namespace", "team");
        foreach (var name in new[] { "a", "b", "c" })
        {
            await k.RunWithInputAsync(SleepPod.Replace("NAME", name, StringComparison.Ordinal), "apply", "-n", "team", "-f", "-");
        }

        Assert.Equal(["NAME", "a", "b", "c"], Lines(await k.OkAsync("get", "pods", "-n", "team", "--chunk-size=1")).Select(l => l.Split(' ')[0]));
        Assert.Contains("namespace \"team\" deleted", await k.OkAsync("delete", "namespace", "team", "--timeout=60s"));
        Assert.Contains("namespaces \"team\" not found", (await k.RunAsync("get", "namespace", "team")).Stderr);
        Assert.Contains("No resources found", (await k.RunAsync("get", "pods", "-n", "team")).Stderr);
        Assert.Contains("namespaces \"default\" is forbidden: this namespace may not be deleted", (await k.RunAsync("delete", "namespace", "default")).Stderr);
    }

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task EventsAreServedAsEventsK8sIoV1Too(string version)
    {
        await using var h = await ApiServerHarness.StartAsync();
        var k = new Kubectl(version, h);
        await k.RunWithInputAsync(SleepPod.Replace("NAME", "web", StringComparison.Ordinal), "apply", "-f", "-");
        await k.OkAsync("wait", "--for=condition=Ready", "pod/web", "--timeout=30s");
        Assert.Contains("Successfully assigned default/web to podvisor-node", await k.OkAsync("get", "events.v1.events.k8s.io", "-o", "jsonpath={.items[*].note}"));
        Assert.Contains("pod/web", await k.OkAsync("get", "events.v1.events.k8s.io"));
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
