using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Podvisor.Api;

namespace Podvisor.E2E.Tests.Api;

/// <summary>The API over plain HTTP and through KubernetesClient: errors, concurrency, watch, tables, auth, restart.</summary>
public sealed class ApiHttpTests
{
    private const string PodJson = """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"busybox","command":["sleep","1"]}]}}""";

    [Fact]
    public async Task KubernetesClientCreatesListsAndWatchesPods()
    {
        await using var h = await ApiServerHarness.StartAsync();
        var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(h.Kubeconfig));
        var created = await client.CoreV1.CreateNamespacedPodAsync(KubernetesJson.Deserialize<V1Pod>(PodJson), "default");
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));

        var list = await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app in (a,b)");
        Assert.Equal(["p"], list.Items.Select(p => p.Metadata.Name));
        Assert.Empty((await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app notin (a)")).Items);
        Assert.Empty((await client.CoreV1.ListNamespacedPodAsync("default", fieldSelector: "status.phase=Failed")).Items);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var watch = WatchForLabel(client, list.Metadata.ResourceVersion, cts.Token);
        var patch = new V1Patch("""{"metadata":{"labels":{"touched":"yes"}}}""", V1Patch.PatchType.MergePatch);
        await client.CoreV1.PatchNamespacedPodAsync(patch, "p", "default");
        Assert.Equal("yes", (await watch).Metadata.Labels["touched"]);
    }

    private static async Task<V1Pod> WatchForLabel(Kubernetes client, string resourceVersion, CancellationToken ct)
    {
        await foreach (var (type, pod) in client.CoreV1.WatchListNamespacedPodAsync("default", resourceVersion: resourceVersion, cancellationToken: ct))
        {
            if (type == WatchEventType.Modified && pod.Metadata.Labels.ContainsKey("touched"))
            {
                return pod;
            }
        }

        throw new InvalidOperationException("the watch ended without the change");
    }

    [Fact]
    public async Task ErrorsAreMetav1StatusAndNothingIsStoredOnFailure()
    {
        await using var h = await ApiServerHarness.StartAsync();
        using var http = h.Http();
        var missing = await ReadJson(await http.GetAsync("/api/v1/namespaces/default/pods/nope"));
        Assert.Equal(("Status", "Failure", "NotFound", 404), ((string)missing["kind"]!, (string)missing["status"]!, (string)missing["reason"]!, (int)missing["code"]!));
        Assert.Equal("pods \"nope\" not found", (string)missing["message"]!);
        Assert.Equal("pods", (string)missing["details"]!["kind"]!);

        Assert.Equal(HttpStatusCode.Created, (await Post(http, PodJson)).StatusCode);
        var exists = await Post(http, PodJson);
        Assert.Equal(HttpStatusCode.Conflict, exists.StatusCode);
        Assert.Equal("pods \"p\" already exists", (string)(await ReadJson(exists))["message"]!);

        var invalid = await Post(http, """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"Bad_Name"},"spec":{"containers":[]}}""");
        Assert.Equal((HttpStatusCode)422, invalid.StatusCode);
        var status = await ReadJson(invalid);
        Assert.Equal("Invalid", (string)status["reason"]!);
        Assert.Equal(["metadata.name", "spec.containers"], status["details"]!["causes"]!.AsArray().Select(c => (string)c!["field"]!));
        // errors.NewInvalid: no "The " (kubectl adds it when it prints the causes).
        Assert.StartsWith("Pod \"Bad_Name\" is invalid: [metadata.name: Invalid value: \"Bad_Name\"", (string)status["message"]!);

        Assert.Equal(HttpStatusCode.BadRequest, (await Post(http, "{not json")).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.PostAsync("/api/v1/pods", new StringContent("{}"))).StatusCode);
        var pods = await ReadJson(await http.GetAsync("/api/v1/pods"));
        Assert.Equal(["p"], pods["items"]!.AsArray().Select(p => (string)p!["metadata"]!["name"]!));
    }

    [Fact]
    public async Task UpdateWithAStaleResourceVersionIsA409ConflictWithUpstreamsMessage()
    {
        await using var h = await ApiServerHarness.StartAsync();
        using var http = h.Http();
        var created = await ReadJson(await Post(http, PodJson));
        var stale = created.DeepClone().AsObject();
        await http.PatchAsync("/api/v1/namespaces/default/pods/p", new StringContent("""{"metadata":{"labels":{"x":"1"}}}""", Encoding.UTF8, "application/merge-patch+json"));
        var response = await http.PutAsync("/api/v1/namespaces/default/pods/p", new StringContent(stale.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var status = await ReadJson(response);
        Assert.Equal("Conflict", (string)status["reason"]!);
        Assert.Equal(
            "Operation cannot be fulfilled on pods \"p\": the object has been modified; please apply your changes to the latest version and try again",
            (string)status["message"]!);
    }

    [Fact]
    public async Task TableOutputMatchesTheCapturedApiserverShape()
    {
        await using var h = await ApiServerHarness.StartAsync();
        using var http = h.Http();
        await Post(http, PodJson);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/namespaces/default/pods");
        request.Headers.Accept.ParseAdd("application/json;as=Table;v=v1;g=meta.k8s.io");
        var table = await ReadJson(await http.SendAsync(request));
        Assert.Equal(("Table", "meta.k8s.io/v1"), ((string)table["kind"]!, (string)table["apiVersion"]!));
        // Names and priorities as in murat-akpinar/k8rs tests/fixtures/table-pods.json (a v1.36 kind cluster).
        Assert.Equal(
            ["Name:0", "Ready:0", "Status:0", "Restarts:0", "Age:0", "IP:1", "Node:1", "Nominated Node:1", "Readiness Gates:1"],
            table["columnDefinitions"]!.AsArray().Select(c => $"{c!["name"]}:{c["priority"]}"));
        var row = table["rows"]![0]!;
        Assert.Equal(9, row["cells"]!.AsArray().Count);
        Assert.Equal(("PartialObjectMetadata", "meta.k8s.io/v1", "p"), ((string)row["object"]!["kind"]!, (string)row["object"]!["apiVersion"]!, (string)row["object"]!["metadata"]!["name"]!));
    }

    [Fact]
    public async Task AggregatedDiscoveryAcceptHeadersGetLegacyJson()
    {
        await using var h = await ApiServerHarness.StartAsync();
        using var http = h.Http();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/apis");
        request.Headers.TryAddWithoutValidation("Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json");
        var response = await http.SendAsync(request);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("APIGroupList", (string)(await ReadJson(response))["kind"]!);
        var version = await ReadJson(await http.GetAsync("/version"));
        Assert.Equal(("1", "36"), ((string)version["major"]!, (string)version["minor"]!));
        Assert.StartsWith("v1.36.0-podvisor", (string)version["gitVersion"]!);
        var resources = await ReadJson(await http.GetAsync("/api/v1"));
        Assert.Contains(resources["resources"]!.AsArray(), r => (string)r!["name"]! == "pods" && r["shortNames"]!.AsArray().Any(s => (string)s! == "po"));
    }

    [Fact]
    public async Task WatchFromAVersionOlderThanTheHistoryGets410Gone()
    {
        var dir = Directory.CreateTempSubdirectory("podvisor-api-").FullName;
        await using (var first = await ApiServerHarness.StartAsync(dir))
        {
            using var http = first.Http();
            await Post(http, PodJson);
        }

        await using var h = await ApiServerHarness.StartAsync(dir);
        using var client = h.Http();
        var text = await client.GetStringAsync("/api/v1/namespaces/default/pods?watch=true&resourceVersion=1&timeoutSeconds=5");
        var evt = JsonNode.Parse(text.Split('\n')[0])!;
        Assert.Equal("ERROR", (string)evt["type"]!);
        Assert.Equal(410, (int)evt["object"]!["code"]!);
        Assert.Equal("Expired", (string)evt["object"]!["reason"]!);
    }

    [Fact]
    public async Task ARestartedServerKeepsPodsAndRevisionsAndHandsPodsToTheAgent()
    {
        var dir = Directory.CreateTempSubdirectory("podvisor-api-").FullName;
        string revision;
        await using (var first = await ApiServerHarness.StartAsync(dir))
        {
            using var http = first.Http();
            revision = (string)(await ReadJson(await Post(http, PodJson)))["metadata"]!["resourceVersion"]!;
        }

        await using var h = await ApiServerHarness.StartAsync(dir);
        using var client = h.Http();
        var pod = await ReadJson(await client.GetAsync("/api/v1/namespaces/default/pods/p"));
        Assert.Equal("10.88.0.7", (string)pod["status"]!["podIP"]!);
        var patched = await client.PatchAsync("/api/v1/namespaces/default/pods/p", new StringContent("""{"metadata":{"labels":{"b":"2"}}}""", Encoding.UTF8, "application/strategic-merge-patch+json"));
        var body = await patched.Content.ReadAsStringAsync();
        Assert.True(patched.StatusCode == HttpStatusCode.OK, body); // the answer, not a parse error, when it fails
        Assert.True(long.Parse((string)JsonNode.Parse(body)!["metadata"]!["resourceVersion"]!) > long.Parse(revision));
        var handedOver = h.Agent.FirstUpsert((string)pod["metadata"]!["uid"]!);
        Assert.Equal("10.88.0.7", handedOver?.Status?.PodIP);
    }

    [Fact]
    public async Task ATokenFileMakesEveryRequestAuthenticate()
    {
        var dir = Directory.CreateTempSubdirectory("podvisor-api-").FullName;
        var tokenFile = Path.Combine(dir, "token");
        await File.WriteAllTextAsync(tokenFile, "s3cret\n");
        await using var h = await ApiServerHarness.StartAsync(dir, tokenFile);
        Assert.StartsWith("https://127.0.0.1:", h.Url); // kubectl sends a kubeconfig's token only over TLS
        using var http = Serve.TrustedHttp.Client(h.Kubeconfig);
        var denied = await http.GetAsync("/api/v1/pods");
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        Assert.Equal("Unauthorized", (string)(await ReadJson(denied))["reason"]!);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/v1/pods")).StatusCode);
        Assert.Contains("token: 's3cret'", await File.ReadAllTextAsync(h.Kubeconfig));
    }

    [Fact]
    public async Task ANonLoopbackAddressWithoutATokenFileRefusesToStart()
    {
        var dir = Directory.CreateTempSubdirectory("podvisor-api-").FullName;
        await using var server = new PodvisorApiServer(new PodvisorApiServerOptions { DataDir = dir, NodeName = "podvisor-node", Host = ApiServerHarness.Host, Listen = "0.0.0.0:0" });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync());
        Assert.Contains("without a token file", error.Message);
    }

    private static Task<HttpResponseMessage> Post(HttpClient http, string json) =>
        http.PostAsync("/api/v1/namespaces/default/pods", new StringContent(json, Encoding.UTF8, "application/json"));

    private static async Task<JsonNode> ReadJson(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
}
