using System.Text.Json;
using k8s;
using k8s.Models;
using Podvisor.Agent.Logs;

namespace Podvisor.E2E.Tests.Api;

/// <summary>Real kubectl 1.32 and 1.33 against an in-process PodvisorApiServer with a fake agent.</summary>
public sealed class KubectlE2ETests
{
    private const string WebPod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
          labels: {app: web}
        spec:
          containers:
          - name: main
            image: busybox:1.36
            command: ["sleep", "3600"]
          - name: side
            image: busybox:1.36
            command: ["sleep", "3600"]
        """;

    public static TheoryData<string> Versions => new(Kubectl.Versions);

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task ApplyThenGetPrintsPodColumnsWideYamlAndJson(string version)
    {
        await using var h = await ApiServerHarness.StartAsync();
        var k = new Kubectl(version, h);
        Assert.Contains("pod/web created", await k.RunWithInputAsync(WebPod, "apply", "-f", "-").ContinueWith(t => t.Result.Stdout));
        await k.OkAsync("wait", "--for=condition=Ready", "pod/web", "--timeout=30s");

        var table = Lines(await k.OkAsync("get", "pods"));
        Assert.Equal(["NAME", "READY", "STATUS", "RESTARTS", "AGE"], table[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["web", "2/2", "Running", "0"], table[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[..4]);

        var wide = Lines(await k.OkAsync("get", "pods", "-o", "wide"));
        Assert.Matches(@"^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$", wide[0]);
        Assert.Matches(@"^web\s+2/2\s+Running\s+0\s+\S+\s+10\.88\.0\.7\s+podvisor-node\s+<none>\s+<none>$", wide[1]);

        Assert.Contains("nodeName: podvisor-node", await k.OkAsync("get", "pod", "web", "-o", "yaml"));
        var pod = KubernetesJson.Deserialize<V1Pod>(await k.OkAsync("get", "pod", "web", "-o", "json"));
        Assert.Equal("Running", pod.Status.Phase);
        Assert.Equal(2, pod.Spec.Containers.Count);
        Assert.Equal("pod/web unchanged", (await k.RunWithInputAsync(WebPod, "apply", "-f", "-")).Stdout.Trim());
    }

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task GetWatchReceivesStatusUpdates(string version)
    {
        await using var h = await ApiServerHarness.StartAsync();
        var k = new Kubectl(version, h);
        await k.RunWithInputAsync(WebPod, "apply", "-f", "-");
        await k.OkAsync("wait", "--for=condition=Ready", "pod/web", "--timeout=30s");
        using var watch = k.Stream("get", "pods", "-w");
        await watch.WaitForLineAsync(l => l.StartsWith("web ", StringComparison.Ordinal) && l.Contains("Running"), "the initial row");

        var pod = await GetPodAsync(k, "web");
        var status = FakeAgent.RunningStatus(pod, ready: false);
        status.ContainerStatuses[0].State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "CrashLoopBackOff" } };
        status.ContainerStatuses[0].RestartCount = 2;
        h.Agent.Sink.StatusChanged(pod.Metadata.Uid, status);
        await watch.WaitForLineAsync(l => l.Contains("CrashLoopBackOff") && l.Contains("0/2"), "the CrashLoopBackOff row");
    }

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task WaitForConditionReadyReturnsWhenTheAgentReportsReady(string version)
    {
        await using var h = await ApiServerHarness.StartAsync();
        h.Agent.ReadyOnStart = false;
        var k = new Kubectl(version, h);
        await k.RunWithInputAsync(WebPod, "apply", "-f", "-");
        using var wait = k.Stream("wait", "--for=condition=Ready", "pod/web", "--timeout=60s");
        var pod = await GetPodAsync(k, "web");
        h.Agent.ReportReady(pod.Metadata.Uid);
        await wait.WaitForLineAsync(l => l.Contains("condition met"), "condition met");
        Assert.Equal(0, await wait.WaitForExitAsync());
    }

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task DescribeShowsConditionsAndEvents(string version)
    {
        await using var h = await ApiServerHarness.StartAsync();
        var k = new Kubectl(version, h);
        await k.RunWithInputAsync(WebPod, "apply", "-f", "-");
        await k.OkAsync("wait", "--for=condition=Ready", "pod/web", "--timeout=30s");
        var text = await k.OkAsync("describe", "pod", "web");
        Assert.Matches(@"Conditions:\s+Type\s+Status", text);
        Assert.Matches(@"ContainersReady\s+True", text);
        Assert.Contains("Successfully assigned default/web to podvisor-node", text);
        Assert.Contains("Started container main", text);
        Assert.Contains("Scheduled", await k.OkAsync("get", "events"));
        Assert.Contains("pod/web", await k.OkAsync("get", "events", "--field-selector", "involvedObject.name=web"));
    }

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task LogsCurrentPreviousAndFollowReadCriFiles(string version)
    {
        await using var h = await ApiServerHarness.StartAsync();
        var k = new Kubectl(version, h);
        await k.RunWithInputAsync(WebPod, "apply", "-f", "-");
        var pod = await GetPodAsync(k, "web");
        var uid = pod.Metadata.Uid;
        Assert.Contains("previous terminated container \"main\" in pod \"web\" not found", (await k.RunAsync("logs", "web", "-c", "main", "--previous")).Stderr);

        WriteLog(h, pod, 0, "2026-01-01T00:00:00.000000000Z stdout F first instance\n");
        WriteLog(h, pod, 1, "2026-01-01T00:00:01.500000000Z stdout P hello \n2026-01-01T00:00:01.600000000Z stdout F world\n2026-01-01T00:00:02.000000000Z stderr F second line\n");
        var status = FakeAgent.RunningStatus(pod, ready: true);
        status.ContainerStatuses[0].RestartCount = 1;
        status.ContainerStatuses[0].LastState = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 1, Reason = "Error" } };
        h.Agent.Sink.StatusChanged(uid, status);

        Assert.Equal("hello world\nsecond line\n", await k.OkAsync("logs", "web", "-c", "main"));
        Assert.Equal("2026-01-01T00:00:02Z second line\n", await k.OkAsync("logs", "web", "-c", "main", "--timestamps", "--tail=1"));
        await k.OkAsync("wait", "--for=jsonpath={.status.containerStatuses[0].restartCount}=1", "pod/web", "--timeout=30s");
        Assert.Equal("first instance\n", await k.OkAsync("logs", "web", "-c", "main", "--previous"));

        using var follow = k.Stream("logs", "-f", "web", "-c", "main");
        await follow.WaitForLineAsync(l => l == "second line", "existing lines");
        File.AppendAllText(new ContainerLogManager(h.DataDir).ContainerLog(pod, "main", 1), "2026-01-01T00:00:03.000000000Z stdout F appended\n");
        await follow.WaitForLineAsync(l => l == "appended", "the appended line");
        await k.OkAsync("delete", "pod", "web", "--grace-period=0", "--force");
        Assert.Equal(0, await follow.WaitForExitAsync());
    }

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task LabelAnnotatePatchAndReplace(string version)
    {
        await using var h = await ApiServerHarness.StartAsync();
        var k = new Kubectl(version, h);
        await k.RunWithInputAsync(WebPod, "apply", "-f", "-");
        await k.OkAsync("label", "pod", "web", "tier=front");
        await k.OkAsync("annotate", "pod", "web", "note=hi");
        await k.OkAsync("patch", "pod", "web", "-p", """{"spec":{"containers":[{"name":"side","image":"busybox:1.37"}]}}""");
        await k.OkAsync("patch", "pod", "web", "--type=merge", "-p", """{"metadata":{"labels":{"merge":"yes"}}}""");
        await k.OkAsync("patch", "pod", "web", "--type=json", "-p", """[{"op":"replace","path":"/metadata/labels/app","value":"web2"}]""");
        var pod = await GetPodAsync(k, "web");
        Assert.Equal("front", pod.Metadata.Labels["tier"]);
        Assert.Equal("yes", pod.Metadata.Labels["merge"]);
        Assert.Equal("web2", pod.Metadata.Labels["app"]);
        Assert.Equal("hi", pod.Metadata.Annotations["note"]);
        Assert.Equal(["busybox:1.36", "busybox:1.37"], pod.Spec.Containers.Select(c => c.Image));

        // A replace sends the whole spec: it starts from the live pod, which carries the ServiceAccount admission's
        // kube-api-access volume (a spec without it is a forbidden change, as on a cluster).
        var live = System.Text.Json.Nodes.JsonNode.Parse(await k.OkAsync("get", "pod", "web", "-o", "json"))!;
        live["metadata"]!["labels"]!.AsObject().Remove("tier");
        foreach (var container in live["spec"]!["containers"]!.AsArray())
        {
            container!["image"] = "busybox:1.38";
        }

        Assert.Contains("pod/web replaced", (await k.RunWithInputAsync(live.ToJsonString(), "replace", "-f", "-")).Stdout);
        pod = await GetPodAsync(k, "web");
        Assert.Equal(["busybox:1.38", "busybox:1.38"], pod.Spec.Containers.Select(c => c.Image));
        Assert.False(pod.Metadata.Labels.ContainsKey("tier"));
        var forbidden = await k.RunWithInputAsync(WebPod.Replace("\"3600\"", "\"7200\""), "replace", "-f", "-");
        Assert.Contains("The Pod \"web\" is invalid: spec: Forbidden: pod updates may not change fields other than", forbidden.Stderr);
    }

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task DeleteWaitsUntilTheAgentReportsPodTerminated(string version)
    {
        await using var h = await ApiServerHarness.StartAsync();
        h.Agent.HoldDeletes = true;
        var k = new Kubectl(version, h);
        await k.RunWithInputAsync(WebPod, "apply", "-f", "-");
        var uid = (await GetPodAsync(k, "web")).Metadata.Uid;
        using var delete = k.Stream("delete", "pod", "web");
        Assert.Equal(30, await h.Agent.DeleteRequested(uid).WaitAsync(TimeSpan.FromSeconds(30)));
        var terminating = Lines(await k.OkAsync("get", "pod", "web"));
        Assert.Contains("Terminating", terminating[1]);
        h.Agent.Terminate(uid);
        Assert.Equal(0, await delete.WaitForExitAsync());
        Assert.Contains("NotFound", (await k.RunAsync("get", "pod", "web")).Stderr);
    }

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task ForceDeleteRemovesAtOnceAndTellsTheAgent(string version)
    {
        await using var h = await ApiServerHarness.StartAsync();
        h.Agent.HoldDeletes = true;
        var k = new Kubectl(version, h);
        await k.RunWithInputAsync(WebPod, "apply", "-f", "-");
        var uid = (await GetPodAsync(k, "web")).Metadata.Uid;
        Assert.Contains("force deleted", await k.OkAsync("delete", "pod", "web", "--grace-period=0", "--force"));
        Assert.Equal(0, await h.Agent.DeleteRequested(uid).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("No resources found", (await k.RunAsync("get", "pods")).Stderr);
    }

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task InvalidPodUnknownFieldAndMissingNamespaceAreRejectedLikeTheApiserver(string version)
    {
        await using var h = await ApiServerHarness.StartAsync();
        var k = new Kubectl(version, h);
        var invalid = await k.RunWithInputAsync("apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec: {containers: []}\n", "create", "-f", "-");
        Assert.NotEqual(0, invalid.ExitCode);
        Assert.Contains("The Pod \"bad\" is invalid: spec.containers: Required value", invalid.Stderr);

        var unknown = await k.RunWithInputAsync(WebPod.Replace("spec:\n", "spec:\n  foo: 1\n"), "create", "-f", "-");
        Assert.Contains("strict decoding error: unknown field \"spec.foo\"", unknown.Stderr);

        var missing = await k.RunWithInputAsync(WebPod, "create", "-n", "nope", "-f", "-");
        Assert.Contains("namespaces \"nope\" not found", missing.Stderr);
        Assert.Contains("No resources found", (await k.RunAsync("get", "pods", "-A")).Stderr);
    }

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task NamespacesEventsAndServerSideApply(string version)
    {
        await using var h = await ApiServerHarness.StartAsync();
        var k = new Kubectl(version, h);
        await k.OkAsync("create", "namespace", "team");
        var namespaces = await k.OkAsync("get", "ns");
        foreach (var name in new[] { "default", "kube-system", "team" })
        {
            Assert.Matches($@"(?m)^{name}\s+Active\s+", namespaces);
        }

        Assert.Contains("serverside-applied", (await k.RunWithInputAsync(WebPod, "apply", "--server-side", "-n", "team", "-f", "-")).Stdout);
        Assert.Contains("serverside-applied", (await k.RunWithInputAsync(WebPod.Replace("app: web", "app: web, ssa: two"), "apply", "--server-side", "-n", "team", "-f", "-")).Stdout);
        Assert.Equal("two", (await GetPodAsync(k, "web", "team")).Metadata.Labels["ssa"]);
        await k.OkAsync("wait", "-n", "team", "--for=condition=Ready", "pod/web", "--timeout=30s");
        Assert.Matches(@"Normal\s+Scheduled\s+pod/web", await k.OkAsync("get", "events", "-n", "team"));
        Assert.Matches(@"team\s+\S+\s+Normal\s+Started\s+pod/web", await k.OkAsync("get", "events", "-A"));
    }

    internal static void WriteLog(ApiServerHarness h, V1Pod pod, int restartCount, string text)
    {
        var path = new ContainerLogManager(h.DataDir).ContainerLog(pod, "main", restartCount);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static async Task<V1Pod> GetPodAsync(Kubectl k, string name, string ns = "default") =>
        KubernetesJson.Deserialize<V1Pod>(await k.OkAsync("get", "pod", name, "-n", ns, "-o", "json"));

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
