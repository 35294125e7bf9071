using System.Net;
using k8s;
using Podvisor.E2E.Tests.Api;

namespace Podvisor.E2E.Tests.Serve;

/// <summary><c>serve --listen</c> beyond loopback: refused without <c>--token-file</c>; with it every request needs the token.</summary>
[Collection(ServeCollection.Name)]
public sealed class ListenTests
{
    [Fact]
    public async Task ANonLoopbackAddressWithoutATokenFileIsRefusedWithAClearMessage()
    {
        var root = Directory.CreateTempSubdirectory("podvisor-serve-").FullName;
        try
        {
            var dataDir = Path.Combine(root, "data");
            var (exitCode, output) = await ServeProcess.RunToExitAsync(["--data-dir", dataDir, "--listen", "0.0.0.0:0"]);
            Assert.NotEqual(0, exitCode);
            Assert.True(output.Contains("error: refusing to serve the API on non-loopback address 0.0.0.0:0 without a token file", StringComparison.Ordinal), output);
            Assert.DoesNotContain("serving the Kubernetes API", output);
            Assert.False(File.Exists(Path.Combine(dataDir, "kubeconfig")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [KubectlTheory]
    [InlineData("1.33")]
    public async Task WithATokenFileKubectlWorksOverTLSAndRequestsWithoutTheTokenGet401(string version)
    {
        await using var h = await ServeHarness.StartAsync(listen: "0.0.0.0:0", token: "s3cret-token");
        Assert.Matches(@"^https://127\.0\.0\.1:\d+$", h.Serve.Url);
        var kubeconfig = await File.ReadAllTextAsync(h.Kubeconfig);
        Assert.Contains("token: 's3cret-token'", kubeconfig);
        Assert.Contains("certificate-authority-data: ", kubeconfig);

        var k = h.Kubectl(version);
        Assert.Equal("No resources found in default namespace.\n", (await k.RunAsync("get", "pods")).Stderr);
        await k.RunWithInputAsync(Pod, "apply", "-f", "-");
        await k.OkAsync("wait", "--for=condition=Ready", "pod/hello", "--timeout=30s");
        Assert.Equal("hello\n", await k.OkAsync("logs", "hello"));
        Assert.Equal("hello", (await h.Client.CoreV1.ReadNamespacedPodAsync("hello", "default")).Metadata.Name);

        using var http = TrustedHttp.Client(h.Kubeconfig);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri("/api/v1/namespaces/default/pods", UriKind.Relative))).StatusCode);
        http.DefaultRequestHeaders.Authorization = new("Bearer", "not-the-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri("/api/v1/namespaces/default/pods", UriKind.Relative))).StatusCode);
        Assert.Contains("error: You must be logged in to the server (Unauthorized)", (await k.RunAsync("get", "pods", "--token", "not-the-token")).Stderr);
        await h.StopAsync();
    }

    private const string Pod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: hello}
        spec:
          containers:
          - {name: main, image: busybox, command: [sh, -c, "echo hello; exec sleep 3600"]}
        """;
}
