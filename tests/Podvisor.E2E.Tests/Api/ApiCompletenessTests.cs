using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using Podvisor.Api.Discovery;
using Podvisor.Api.Nodes;
using Podvisor.Api.Printing;
using Podvisor.Api.Store;
using Podvisor.Api.Watch;
using Podvisor.Core;
using Podvisor.Core.Model;

namespace Podvisor.E2E.Tests.Api;

/// <summary>Pagination tokens and snapshots, error details, the node object and printer, HTTPS files and port reuse.</summary>
public sealed class ApiCompletenessTests
{
    [Fact]
    public void AContinueTokenRoundTripsAndABadOneIsABadRequestMessage()
    {
        var token = ContinueToken.After(42, "default/p1");
        Assert.Equal(new ContinueToken(42, "default/p1\0"), ContinueToken.Decode(token).Token);
        Assert.DoesNotContain('=', token);
        Assert.StartsWith("invalid continue token: continue key is not valid", ContinueToken.Decode("!!!").Error);
        var foreign = Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"v":"other","rv":1,"start":"x"}""")).TrimEnd('=');
        Assert.Equal("invalid continue token: continue key is not valid: server does not recognize this encoded key", ContinueToken.Decode(foreign).Error);
    }

    [Fact]
    public async Task PagesComeFromTheFirstPagesSnapshotAndAnExpiredTokenIs410WithAFreshOne()
    {
        var dir = Directory.CreateTempSubdirectory("podvisor-api-").FullName;
        try
        {
            string next;
            await using (var h = await ApiServerHarness.StartAsync(dir))
            {
                using var http = h.Http();
                foreach (var name in new[] { "a", "b", "c" })
                {
                    Assert.Equal(HttpStatusCode.Created, (await PostPod(http, name)).StatusCode);
                }

                var first = await GetJson(http, "/api/v1/namespaces/default/pods?limit=1");
                Assert.Equal(["a"], Names(first));
                Assert.Equal(2, (long)first["metadata"]!["remainingItemCount"]!);
                await PostPod(http, "bb");
                var second = await GetJson(http, "/api/v1/namespaces/default/pods?limit=1&continue=" + (string)first["metadata"]!["continue"]!);
                Assert.Equal(["b"], Names(second));
                next = (string)second["metadata"]!["continue"]!;
                Assert.Equal(["c"], Names(await GetJson(http, "/api/v1/namespaces/default/pods?continue=" + next)));
            }

            // A restart starts a new history: the snapshot the token names is gone (upstream: compacted).
            await using var restarted = await ApiServerHarness.StartAsync(dir);
            using var client = restarted.Http();
            var gone = await client.GetAsync("/api/v1/namespaces/default/pods?continue=" + next);
            var status = JsonNode.Parse(await gone.Content.ReadAsStringAsync())!;
            Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
            Assert.Equal("Expired", (string)status["reason"]!);
            Assert.StartsWith("The provided continue parameter is too old", (string)status["message"]!);
            var fresh = await GetJson(client, "/api/v1/namespaces/default/pods?continue=" + (string)status["metadata"]!["continue"]!);
            Assert.Equal(["bb", "c"], Names(fresh));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task EveryErrorHasDetailsAndUnservedKindsAreTheApiservers404()
    {
        await using var h = await ApiServerHarness.StartAsync();
        using var http = h.Http();
        foreach (var path in new[] { "/apis/apps/v1/namespaces/default/deployments", "/api/v1/namespaces/default/pods/x/ephemeralcontainers" })
        {
            var response = await http.GetAsync(path);
            var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("the server could not find the requested resource", (string)status["message"]!);
            Assert.Equal("{}", status["details"]!.ToJsonString());
        }

        var groups = await GetJson(http, "/apis");
        Assert.DoesNotContain("apps", groups["groups"]!.AsArray().Select(g => (string)g!["name"]!));
        var missing = JsonNode.Parse(await (await http.GetAsync("/apis/events.k8s.io/v1/namespaces/default/events/nope")).Content.ReadAsStringAsync())!;
        Assert.Equal("""{"name":"nope","group":"events.k8s.io","kind":"events"}""", missing["details"]!.ToJsonString());
    }

    [Fact]
    public void TheNodeReportsCapacityAllocatableInfoAndDeclaredFeaturesAsTheKubelet()
    {
        var host = new HostFacts("box", "10.0.0.5", new NodeResources(8, 16L << 30, 100L << 30), "6.1.0", "Debian GNU/Linux 12 (bookworm)", "amd64", "m", "u", "b");
        var node = NodeObject.Build("box", host, FeatureGates.Default, "v1.36.0-podvisor.0.1.0", "process://0.1.0", DateTime.UnixEpoch);
        Assert.Equal(16L << 30, node.Status.Capacity["memory"].ToInt64());
        Assert.Equal((16L << 30) - (100L << 20), node.Status.Allocatable["memory"].ToInt64());
        Assert.Equal((100L << 30) - ((100L << 30) / 10), node.Status.Allocatable["ephemeral-storage"].ToInt64());
        Assert.Equal("110", node.Status.Capacity["pods"].ToString());
        Assert.Equal(["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"], node.Status.Conditions.Select(c => c.Type));
        Assert.Equal(["InternalIP", "Hostname"], node.Status.Addresses.Select(a => a.Type));
        Assert.Equal(["RestartAllContainersOnContainerExits"], node.Status.DeclaredFeatures);
        Assert.Null(NodeObject.Build("box", host, new FeatureGates(RestartAllContainersOnContainerExits: false), "v", "r", DateTime.UnixEpoch).Status.DeclaredFeatures);

        node.Metadata.CreationTimestamp = DateTime.UnixEpoch;
        var row = new NodeTablePrinter().Print(node, DateTimeOffset.UnixEpoch.AddDays(3));
        Assert.Equal(["box", "Ready", "<none>", "3d", "v1.36.0-podvisor.0.1.0", "10.0.0.5", "<none>", "Debian GNU/Linux 12 (bookworm)", "6.1.0", "process://0.1.0"], row.Cells);
        node.Spec.Unschedulable = true;
        node.Status.Conditions[3].Status = "False";
        Assert.Equal("NotReady,SchedulingDisabled", NodeTablePrinter.Status(node));
        Assert.Equal("control-plane,worker", NodeTablePrinter.Roles(new Dictionary<string, string> { ["node-role.kubernetes.io/worker"] = "", ["node-role.kubernetes.io/control-plane"] = "" }));
        Assert.Equal("Debian GNU/Linux 12 (bookworm)", HostFacts.PrettyName(["NAME=Debian", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\""]));
    }

    [Fact]
    public async Task TheKubeconfigAndKeyArePrivateFromCreationAndARestartKeepsThePort()
    {
        var dir = Directory.CreateTempSubdirectory("podvisor-api-").FullName;
        try
        {
            string url;
            await using (var first = await ApiServerHarness.StartAsync(dir))
            {
                url = first.Url;
                Assert.StartsWith("https://127.0.0.1:", url);
                Assert.Contains("certificate-authority-data: ", await File.ReadAllTextAsync(first.Kubeconfig));
                foreach (var file in new[] { first.Kubeconfig, Path.Combine(dir, "serving-cert.pfx") })
                {
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
                }
            }

            await using var second = await ApiServerHarness.StartAsync(dir);
            Assert.Equal(url, second.Url);
            using var http = second.Http();
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/v1/nodes/podvisor-node")).StatusCode);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void OpenApiIsGeneratedFromTheModelsWithDocsKindsAndMergeKeys()
    {
        var docs = new OpenApiDocuments(ModelDocs.Load());
        var definitions = docs.V2["definitions"]!;
        var pod = definitions["io.k8s.api.core.v1.Pod"]!;
        Assert.Equal("""[{"group":"","kind":"Pod","version":"v1"}]""", pod["x-kubernetes-group-version-kind"]!.ToJsonString());
        var containers = definitions["io.k8s.api.core.v1.PodSpec"]!["properties"]!["containers"]!;
        Assert.Equal("name", (string)containers["x-kubernetes-patch-merge-key"]!);
        Assert.Equal("#/definitions/io.k8s.api.core.v1.Container", (string)containers["items"]!["$ref"]!);
        var rules = definitions["io.k8s.api.core.v1.Container"]!["properties"]!["restartPolicyRules"]!;
        Assert.StartsWith("Represents a list of rules to be checked", (string)rules["description"]!);
        Assert.Equal("#/definitions/io.k8s.api.core.v1.ContainerRestartRule", (string)rules["items"]!["$ref"]!);
        Assert.NotNull(definitions["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]);

        var patch = docs.V2["paths"]!["/api/v1/namespaces/{namespace}/pods/{name}"]!["patch"]!;
        Assert.Contains("fieldValidation", patch["parameters"]!.AsArray().Select(p => (string)p!["name"]!));
        Assert.Equal([0x0a, 0x03, (byte)'2', (byte)'.', (byte)'0'], docs.V2Protobuf[..5]);
        Assert.Contains("apis/events.k8s.io/v1", docs.V3.Keys);
        Assert.Contains("io.k8s.api.events.v1.Event", JsonNode.Parse(docs.V3["apis/events.k8s.io/v1"])!["components"]!["schemas"]!.AsObject().Select(p => p.Key));
    }

    private static Task<HttpResponseMessage> PostPod(HttpClient http, string name) => http.PostAsync(
        "/api/v1/namespaces/default/pods",
        new StringContent($$$"""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"{{{name}}}"},"spec":{"containers":[{"name":"c","image":"i","command":["sleep","1"]}]}}""", Encoding.UTF8, "application/json"));

    private static async Task<JsonNode> GetJson(HttpClient http, string path)
    {
        var response = await http.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static IEnumerable<string> Names(JsonNode list) => list["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!);
}
