using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Podvisor.Api.Auth;

namespace Podvisor.E2E.Tests.Api;

/// <summary>
/// ServiceAccounts as serve has them (docs/contracts.md §2): the default account and root CA in every namespace, the
/// ServiceAccount admission plugin, TokenRequest, token authentication and the namespace-scoped authorizer.
/// </summary>
public sealed class ServiceAccountTests
{
    private const string TokenPath = "/var/run/secrets/kubernetes.io/serviceaccount";

    [Fact]
    public async Task EveryNamespaceHasTheDefaultServiceAccountAndTheRootCAAlsoANewOneUntilItIsDeleted()
    {
        await using var h = await ApiServerHarness.StartAsync();
        using var http = h.Http();
        var ca = KubeconfigCa(h.Kubeconfig);
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            Assert.Equal("default", (string)(await GetJson(http, $"/api/v1/namespaces/{ns}/serviceaccounts/default"))["metadata"]!["name"]!);
            Assert.Equal(ca, (string)(await GetJson(http, $"/api/v1/namespaces/{ns}/configmaps/kube-root-ca.crt"))["data"]!["ca.crt"]!);
        }

        Assert.Equal(HttpStatusCode.Created, (await Post(http, "/api/v1/namespaces", """{"metadata":{"name":"team"}}""")).StatusCode);
        Assert.Equal("default", (string)(await GetJson(http, "/api/v1/namespaces/team/serviceaccounts/default"))["metadata"]!["name"]!);
        Assert.Equal(ca, (string)(await GetJson(http, "/api/v1/namespaces/team/configmaps/kube-root-ca.crt"))["data"]!["ca.crt"]!);

        Assert.True((await http.DeleteAsync("/api/v1/namespaces/team")).IsSuccessStatusCode);
        await WaitGoneAsync(http, "/api/v1/namespaces/team");
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/v1/namespaces/team/serviceaccounts/default")).StatusCode);
        Assert.DoesNotContain((await GetJson(http, "/api/v1/configmaps"))["items"]!.AsArray(), i => (string?)i!["metadata"]!["namespace"] == "team");
    }

    [Fact]
    public async Task ANewPodGetsTheKubeApiAccessVolumeInEveryContainerWithoutOneAtThePath()
    {
        await using var h = await ApiServerHarness.StartAsync();
        using var http = h.Http();
        var pod = await CreatePodAsync(http, """
            {"metadata":{"name":"web"},"spec":{
              "initContainers":[{"name":"init","image":"i","command":["true"]}],
              "containers":[{"name":"a","image":"i","command":["sleep","9"]},
                            {"name":"b","image":"i","command":["sleep","9"],"volumeMounts":[{"name":"own","mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}]}],
              "volumes":[{"name":"own","emptyDir":{}}]}}
            """);

        Assert.Equal("default", (string)pod["spec"]!["serviceAccountName"]!);
        Assert.Equal("default", (string)pod["spec"]!["serviceAccount"]!);
        var volume = pod["spec"]!["volumes"]!.AsArray().Single(v => ((string)v!["name"]!).StartsWith("kube-api-access-", StringComparison.Ordinal))!;
        var name = (string)volume["name"]!;
        Assert.Matches("^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$", name);
        Assert.Equal(
            """{"defaultMode":420,"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},{"configMap":{"items":[{"key":"ca.crt","path":"ca.crt"}],"name":"kube-root-ca.crt"}},{"downwardAPI":{"items":[{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"},"path":"namespace"}]}}]}""",
            volume["projected"]!.ToJsonString());
        var expected = $$"""{"mountPath":"{{TokenPath}}","name":"{{name}}","readOnly":true}""";
        Assert.Equal(expected, pod["spec"]!["initContainers"]![0]!["volumeMounts"]![0]!.ToJsonString());
        Assert.Equal(expected, pod["spec"]!["containers"]![0]!["volumeMounts"]![0]!.ToJsonString());
        Assert.Single(pod["spec"]!["containers"]![1]!["volumeMounts"]!.AsArray());
    }

    [Theory]
    [InlineData("""{"metadata":{"name":"p"},"spec":{"automountServiceAccountToken":false,"containers":[{"name":"c","image":"i","command":["true"]}]}}""", null)]
    [InlineData("""{"metadata":{"name":"p"},"spec":{"serviceAccountName":"quiet","containers":[{"name":"c","image":"i","command":["true"]}]}}""", false)]
    [InlineData("""{"metadata":{"name":"p"},"spec":{"serviceAccountName":"quiet","automountServiceAccountToken":true,"containers":[{"name":"c","image":"i","command":["true"]}]}}""", true)]
    public async Task AutomountServiceAccountTokenOfThePodElseOfTheAccountDecides(string body, bool? mounted)
    {
        await using var h = await ApiServerHarness.StartAsync();
        using var http = h.Http();
        Assert.Equal(HttpStatusCode.Created, (await Post(http, "/api/v1/namespaces/default/serviceaccounts", """{"metadata":{"name":"quiet"},"automountServiceAccountToken":false}""")).StatusCode);

        var pod = await CreatePodAsync(http, body);

        Assert.Equal(mounted == true, pod["spec"]!["volumes"]?.AsArray().Count > 0);
        Assert.Equal(mounted == true, pod["spec"]!["containers"]![0]!["volumeMounts"] is not null);
    }

    [Fact]
    public async Task APodOfAMissingServiceAccountIsForbiddenWithThePluginsMessage()
    {
        await using var h = await ApiServerHarness.StartAsync();
        using var http = h.Http();

        var response = await Post(http, "/api/v1/namespaces/default/pods", """{"metadata":{"name":"p"},"spec":{"serviceAccountName":"ghost","containers":[{"name":"c","image":"i","command":["true"]}]}}""");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(
            "pods \"p\" is forbidden: error looking up service account default/ghost: serviceaccount \"ghost\" not found",
            (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["message"]!);
    }

    [Fact]
    public async Task ATokenRequestHonoursItsExpirationAndIsRefusedUnderTenMinutes()
    {
        await using var h = await ApiServerHarness.StartAsync();
        using var http = h.Http();

        var token = await RequestTokenAsync(http, """{"spec":{"expirationSeconds":1200}}""");
        var claims = Claims(token);
        Assert.Equal(1200, (long)claims["exp"]! - (long)claims["iat"]!);
        Assert.Equal("system:serviceaccount:default:default", (string)claims["sub"]!);
        Assert.Equal(ServiceAccountTokens.Issuer, (string)claims["aud"]![0]!);

        var tooShort = await Post(http, "/api/v1/namespaces/default/serviceaccounts/default/token", """{"spec":{"expirationSeconds":60}}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooShort.StatusCode);
        Assert.Equal(
            "TokenRequest.authentication.k8s.io \"default\" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes",
            (string)JsonNode.Parse(await tooShort.Content.ReadAsStringAsync())!["message"]!);
        Assert.Equal(HttpStatusCode.NotFound, (await Post(http, "/api/v1/namespaces/default/serviceaccounts/ghost/token", "{}")).StatusCode);
    }

    [Fact]
    public async Task ATokenMayReadAndPatchPodsOfItsNamespaceAndNothingElse()
    {
        await using var h = await ApiServerHarness.StartAsync();
        using var admin = h.Http();
        await CreatePodAsync(admin, """{"metadata":{"name":"web"},"spec":{"containers":[{"name":"c","image":"i","command":["true"]}]}}""");
        using var sa = h.Http();
        sa.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await RequestTokenAsync(admin, "{}"));

        Assert.Equal(HttpStatusCode.OK, (await sa.GetAsync("/api/v1/namespaces/default/pods")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await sa.GetAsync("/api/v1/namespaces/default/configmaps/kube-root-ca.crt")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await sa.GetAsync("/api/v1")).StatusCode);
        var patch = new StringContent("""{"metadata":{"annotations":{"seen":"yes"}}}""", Encoding.UTF8, "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, (await sa.PatchAsync("/api/v1/namespaces/default/pods/web", patch)).StatusCode);

        await AssertForbiddenAsync(sa.GetAsync("/api/v1/namespaces/kube-system/pods"),
            "pods is forbidden: User \"system:serviceaccount:default:default\" cannot list resource \"pods\" in API group \"\" in the namespace \"kube-system\"");
        await AssertForbiddenAsync(sa.GetAsync("/api/v1/namespaces/default/secrets/x"),
            "secrets \"x\" is forbidden: User \"system:serviceaccount:default:default\" cannot get resource \"secrets\" in API group \"\" in the namespace \"default\"");
        await AssertForbiddenAsync(sa.DeleteAsync("/api/v1/namespaces/default/pods/web"),
            "pods \"web\" is forbidden: User \"system:serviceaccount:default:default\" cannot delete resource \"pods\" in API group \"\" in the namespace \"default\"");
        await AssertForbiddenAsync(sa.GetAsync("/api/v1/nodes"),
            "nodes is forbidden: User \"system:serviceaccount:default:default\" cannot list resource \"nodes\" in API group \"\" at the cluster scope");

        var whoami = await sa.PostAsync("/apis/authentication.k8s.io/v1/selfsubjectreviews", new StringContent("""{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}""", Encoding.UTF8, "application/json"));
        Assert.Equal("system:serviceaccount:default:default", (string)JsonNode.Parse(await whoami.Content.ReadAsStringAsync())!["status"]!["userInfo"]!["username"]!);

        using var bogus = h.Http();
        bogus.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await bogus.GetAsync("/api/v1/namespaces/default/pods")).StatusCode);
    }

    [Fact]
    public async Task ATokenBoundToAPodStopsWorkingWhenThePodIsGone()
    {
        await using var h = await ApiServerHarness.StartAsync();
        using var admin = h.Http();
        var pod = await CreatePodAsync(admin, """{"metadata":{"name":"web"},"spec":{"containers":[{"name":"c","image":"i","command":["true"]}]}}""");
        var bound = new JsonObject { ["kind"] = "Pod", ["apiVersion"] = "v1", ["name"] = "web", ["uid"] = (string)pod["metadata"]!["uid"]! };
        var token = await RequestTokenAsync(admin, new JsonObject { ["spec"] = new JsonObject { ["boundObjectRef"] = bound } }.ToJsonString());
        Assert.Equal("web", (string)Claims(token)["kubernetes.io"]!["pod"]!["name"]!);
        using var sa = h.Http();
        sa.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await sa.GetAsync("/api/v1/namespaces/default/pods/web")).StatusCode);

        Assert.True((await admin.DeleteAsync("/api/v1/namespaces/default/pods/web")).IsSuccessStatusCode);
        await WaitGoneAsync(admin, "/api/v1/namespaces/default/pods/web");

        Assert.Equal(HttpStatusCode.Unauthorized, (await sa.GetAsync("/api/v1/namespaces/default/pods")).StatusCode);
    }

    /// <summary>The authorizer's whole rule table against request paths as RequestInfoFactory parses them.</summary>
    [Theory]
    [InlineData("GET", "/api/v1/namespaces/team/pods", true)]
    [InlineData("GET", "/api/v1/namespaces/team/pods?watch=true", true)]
    [InlineData("GET", "/api/v1/namespaces/team/pods/web", true)]
    [InlineData("PATCH", "/api/v1/namespaces/team/pods/web", true)]
    [InlineData("PUT", "/api/v1/namespaces/team/pods/web", true)]
    [InlineData("POST", "/api/v1/namespaces/team/pods", false)]
    [InlineData("DELETE", "/api/v1/namespaces/team/pods/web", false)]
    [InlineData("DELETE", "/api/v1/namespaces/team/pods", false)]
    [InlineData("GET", "/api/v1/namespaces/team/pods/web/status", true)]
    [InlineData("PATCH", "/api/v1/namespaces/team/pods/web/status", true)]
    [InlineData("GET", "/api/v1/namespaces/team/pods/web/log", true)]
    [InlineData("GET", "/api/v1/namespaces/team/pods/web/exec", false)]
    [InlineData("POST", "/api/v1/namespaces/team/pods/web/exec", false)]
    [InlineData("GET", "/api/v1/namespaces/team/configmaps", true)]
    [InlineData("PATCH", "/api/v1/namespaces/team/configmaps/x", false)]
    [InlineData("GET", "/api/v1/namespaces/team/secrets", false)]
    [InlineData("GET", "/api/v1/namespaces/team/events", true)]
    [InlineData("GET", "/apis/events.k8s.io/v1/namespaces/team/events", true)]
    [InlineData("GET", "/api/v1/namespaces/team/serviceaccounts/default", true)]
    [InlineData("POST", "/api/v1/namespaces/team/serviceaccounts/default/token", false)]
    [InlineData("GET", "/api/v1/namespaces/team", true)]
    [InlineData("DELETE", "/api/v1/namespaces/team", false)]
    [InlineData("GET", "/api/v1/namespaces", false)]
    [InlineData("GET", "/api/v1/namespaces/other/pods", false)]
    [InlineData("GET", "/api/v1/namespaces/other", false)]
    [InlineData("GET", "/api/v1/pods", false)]
    [InlineData("GET", "/api/v1/nodes", false)]
    [InlineData("GET", "/api", true)]
    [InlineData("GET", "/api/v1", true)]
    [InlineData("GET", "/apis/events.k8s.io/v1", true)]
    [InlineData("GET", "/openapi/v2", true)]
    [InlineData("GET", "/version", true)]
    [InlineData("GET", "/metrics", false)]
    [InlineData("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", true)]
    [InlineData("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", true)]
    public void TheAuthorizerAllowsExactlyTheDocumentedRequests(string method, string url, bool allowed)
    {
        var context = new DefaultHttpContext();
        var query = url.IndexOf('?', StringComparison.Ordinal);
        context.Request.Method = method;
        context.Request.Path = query < 0 ? url : url[..query];
        context.Request.QueryString = query < 0 ? QueryString.Empty : new QueryString(url[query..]);

        Assert.Equal(allowed, ServiceAccountAuthorizer.Allows(new ServiceAccountUser("team", "default"), RequestAttributes.Of(context.Request)));
    }

    private static async Task<JsonNode> CreatePodAsync(HttpClient http, string body)
    {
        var response = await Post(http, "/api/v1/namespaces/default/pods", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonNode.Parse(text)!;
    }

    private static async Task<string> RequestTokenAsync(HttpClient http, string body)
    {
        var response = await Post(http, "/api/v1/namespaces/default/serviceaccounts/default/token", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return (string)JsonNode.Parse(text)!["status"]!["token"]!;
    }

    private static JsonNode Claims(string token)
    {
        var payload = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        return JsonNode.Parse(Convert.FromBase64String(payload + new string('=', (4 - (payload.Length % 4)) % 4)))!;
    }

    private static async Task AssertForbiddenAsync(Task<HttpResponseMessage> request, string message)
    {
        var response = await request;
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(message, (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["message"]!);
    }

    private static string KubeconfigCa(string kubeconfig) =>
        Encoding.UTF8.GetString(Convert.FromBase64String(File.ReadAllLines(kubeconfig).Select(l => l.Trim()).Single(l => l.StartsWith("certificate-authority-data:", StringComparison.Ordinal))["certificate-authority-data:".Length..].Trim()));

    /// <summary>Watches until the object is gone (namespace and pod deletion complete asynchronously).</summary>
    private static async Task WaitGoneAsync(HttpClient http, string path)
    {
        var slash = path.LastIndexOf('/');
        var collection = path[..slash];
        var name = path[(slash + 1)..];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var stream = await http.GetStreamAsync($"{collection}?watch=true&fieldSelector=metadata.name%3D{name}", timeout.Token);
        if ((await http.GetAsync(path, timeout.Token)).StatusCode == HttpStatusCode.NotFound)
        {
            return;
        }

        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if ((string?)JsonNode.Parse(line)!["type"] == "DELETED")
            {
                return;
            }
        }

        Assert.Fail($"{path} was not deleted");
    }

    private static Task<HttpResponseMessage> Post(HttpClient http, string path, string json) =>
        http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    private static async Task<JsonNode> GetJson(HttpClient http, string path)
    {
        var response = await http.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }
}
