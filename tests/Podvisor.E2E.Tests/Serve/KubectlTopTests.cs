using System.Text.Json;
using System.Text.RegularExpressions;
using Podvisor.E2E.Tests.Api;

namespace Podvisor.E2E.Tests.Serve;

/// <summary>
/// <c>kubectl top pod</c> and <c>kubectl top node</c> against serve on the process runtime (metrics.k8s.io/v1beta1,
/// docs/contracts.md §2 "Metrics"), on the oldest and newest kubectl: a container that has done work shows CPU, an idle
/// one 0, each its memory; the node row has both and their percentages of its allocatable.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed partial class KubectlTopTests
{
    private const string Pod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: top, labels: {app: top}}
        spec:
          containers:
          - {name: spin, image: busybox, command: ["sh", "-c", "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; echo worked; exec sleep 3600"]}
          - {name: idle, image: busybox, command: ["sleep", "3600"]}
        """;

    public static TheoryData<string> Versions => new("1.27", "1.33");

    [GeneratedRegex(@"^top\s+spin\s+(\d+)m\s+(\d+)Mi\s*$", RegexOptions.Multiline)]
    private static partial Regex SpinRow();

    [GeneratedRegex(@"^top\s+idle\s+0m\s+\d+Mi\s*$", RegexOptions.Multiline)]
    private static partial Regex IdleRow();

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task TopShowsTheUsageOfPodsContainersAndTheNode(string version)
    {
        await using var h = await ServeHarness.StartAsync();
        var k = h.Kubectl(version);
        await k.RunWithInputAsync(Pod, "apply", "-f", "-");
        await k.OkAsync("wait", "--for=condition=Ready", "pod/top", "--timeout=30s");
        using (var logs = k.Stream("logs", "-f", "top", "-c", "spin"))
        {
            await logs.WaitForLineAsync(line => line == "worked", "spin's loop finished");
        }

        var containers = await k.OkAsync("top", "pod", "-l", "app=top", "--containers");
        Assert.StartsWith("POD", containers, StringComparison.Ordinal);
        Assert.True(SpinRow().Match(containers) is { Success: true } spin && int.Parse(spin.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, containers);
        Assert.Matches(IdleRow(), containers);
        Assert.Matches(@"^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\ntop\s+\d+m\s+\d+Mi\s*\n$", await k.OkAsync("top", "pod"));

        var node = await k.OkAsync("top", "node");
        Assert.Matches(@"^NAME\s+CPU\(cores\)\s+CPU\(?%\)?\s+MEMORY\(bytes\)\s+MEMORY\(?%\)?\s*\n\S+\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%\s*\n$", node);

        var raw = await k.OkAsync("get", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/top");
        using var metrics = JsonDocument.Parse(raw);
        var root = metrics.RootElement;
        Assert.Equal(("metrics.k8s.io/v1beta1", "PodMetrics", "top", "default"), (root.GetProperty("apiVersion").GetString(), root.GetProperty("kind").GetString(),
            root.GetProperty("metadata").GetProperty("name").GetString(), root.GetProperty("metadata").GetProperty("namespace").GetString()));
        Assert.Matches(@"^([0-9]+m)?[0-9.]+(ms|s)$", root.GetProperty("window").GetString());
        Assert.Equal(["idle", "spin"], root.GetProperty("containers").EnumerateArray().Select(c => c.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        var (code, _, stderr) = await k.RunAsync("get", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope");
        Assert.Equal(1, code);
        Assert.Contains("pods.metrics.k8s.io \"nope\" not found", stderr, StringComparison.Ordinal);
        await h.StopAsync();
    }
}
