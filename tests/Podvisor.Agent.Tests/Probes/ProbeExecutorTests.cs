using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Podvisor.Agent.Probes;
using Podvisor.Runtime;

namespace Podvisor.Agent.Tests.Probes;

/// <summary>The real executor against real loopback servers (HTTP, TCP) and a fake runtime (exec).</summary>
public sealed class ProbeExecutorTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static ProbeContext Context(V1Container? container = null, string? podIp = "127.0.0.1") =>
        new(Specs.Pod(), container ?? Specs.Container(), "cid", podIp);

    private static V1Probe Http(int port, string path = "/healthz", IList<V1HTTPHeader>? headers = null, int timeout = 10) =>
        new() { HttpGet = new V1HTTPGetAction { Port = port.ToString(System.Globalization.CultureInfo.InvariantCulture), Path = path, HttpHeaders = headers }, TimeoutSeconds = timeout };

    private static ProbeExecutor Executor(FakeExecRuntime? runtime = null) =>
        new(runtime ?? new FakeExecRuntime((_, _) => throw new InvalidOperationException("no exec")));

    [Theory]
    [InlineData(200, ProbeOutcomeKind.Success, "ok")]
    [InlineData(204, ProbeOutcomeKind.Success, "")]
    [InlineData(399, ProbeOutcomeKind.Warning, "Probe terminated redirects, Response body: ok")]
    [InlineData(400, ProbeOutcomeKind.Failure, "HTTP probe failed with statuscode: 400")]
    [InlineData(500, ProbeOutcomeKind.Failure, "HTTP probe failed with statuscode: 500")]
    public async Task HttpGet_StatusCodes(int status, ProbeOutcomeKind kind, string output)
    {
        await using var server = new TinyHttpServer(_ => TinyHttpServer.Response(status, status == 204 ? "" : "ok"));
        var outcome = await Executor().ProbeAsync(Http(server.Port), Context(), None);

        Assert.Equal(new ProbeOutcome(kind, output), outcome);
    }

    [Fact]
    public async Task HttpGet_SendsKubeProbeHeaders_UserHeadersAndHostOverride()
    {
        await using var server = new TinyHttpServer(_ => TinyHttpServer.Response(200));
        V1HTTPHeader[] headers = [new() { Name = "x-custom", Value = "1" }, new() { Name = "Host", Value = "example.test" }];
        await Executor().ProbeAsync(Http(server.Port, "/ready?full=1", headers), Context(), None);

        var request = Assert.Single(server.Requests);
        Assert.StartsWith("GET /ready?full=1 HTTP/1.1\r\n", request, StringComparison.Ordinal);
        Assert.Contains("X-Custom: 1\r\n", request, StringComparison.Ordinal);
        Assert.Contains("User-Agent: kube-probe/1.36\r\n", request, StringComparison.Ordinal);
        Assert.Contains("Accept: */*\r\n", request, StringComparison.Ordinal);
        Assert.Contains("Host: example.test\r\n", request, StringComparison.Ordinal);
        Assert.Contains("Connection: close\r\n", request, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpGet_EmptyAcceptHeaderIsRemoved_GivenUserAgentKept()
    {
        await using var server = new TinyHttpServer(_ => TinyHttpServer.Response(200));
        V1HTTPHeader[] headers = [new() { Name = "Accept", Value = "" }, new() { Name = "User-Agent", Value = "mine" }];
        await Executor().ProbeAsync(Http(server.Port, "/", headers), Context(), None);

        var request = Assert.Single(server.Requests);
        Assert.DoesNotContain("Accept:", request, StringComparison.Ordinal);
        Assert.Contains("User-Agent: mine\r\n", request, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpGet_FollowsSameHostRedirects()
    {
        await using var server = new TinyHttpServer(path => path == "/old"
            ? TinyHttpServer.Response(302, "", "Location: /new\r\n")
            : TinyHttpServer.Response(200, "new"));
        var outcome = await Executor().ProbeAsync(Http(server.Port, "/old"), Context(), None);

        Assert.Equal(ProbeOutcome.Success("new"), outcome);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task HttpGet_RedirectToAnotherHost_IsAWarningWithTheBody()
    {
        await using var server = new TinyHttpServer(_ => TinyHttpServer.Response(301, "<a>moved</a>", "Location: http://0.0.0.0/\r\n"));
        var outcome = await Executor().ProbeAsync(Http(server.Port, "/redirect"), Context(), None);

        Assert.Equal(ProbeOutcome.Warning("Probe terminated redirects, Response body: <a>moved</a>"), outcome);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task HttpGet_StopsAfterTenRedirects()
    {
        await using var server = new TinyHttpServer(_ => TinyHttpServer.Response(307, "", "Location: /loop\r\n"));
        var outcome = await Executor().ProbeAsync(Http(server.Port, "/loop"), Context(), None);

        Assert.Equal(ProbeOutcome.Failure($"Get \"http://127.0.0.1:{server.Port}/loop\": stopped after 10 redirects"), outcome);
        Assert.Equal(10, server.Requests.Count);
    }

    [Fact]
    public async Task HttpGet_BodyIsCutAt10KiB()
    {
        await using var server = new TinyHttpServer(_ => TinyHttpServer.Response(200, new string('x', 20_000)));
        var outcome = await Executor().ProbeAsync(Http(server.Port), Context(), None);

        Assert.Equal(10 * 1024, outcome.Output.Length);
    }

    [Fact]
    public async Task HttpGet_ConnectionRefused_IsGoDialError()
    {
        var port = ClosedPort.Get();
        var outcome = await Executor().ProbeAsync(Http(port), Context(), None);

        Assert.Equal(ProbeOutcome.Failure($"Get \"http://127.0.0.1:{port}/healthz\": dial tcp 127.0.0.1:{port}: connect: connection refused"), outcome);
    }

    [Fact]
    public async Task HttpGet_Timeout_IsClientTimeoutFailure()
    {
        await using var server = new TinyHttpServer(_ => TinyHttpServer.Silent);
        var outcome = await Executor().ProbeAsync(Http(server.Port, timeout: 1), Context(), None);

        Assert.Equal(ProbeOutcome.Failure($"Get \"http://127.0.0.1:{server.Port}/healthz\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"), outcome);
    }

    [Fact]
    public async Task HttpGet_PortByName_FromContainerPorts()
    {
        await using var server = new TinyHttpServer(_ => TinyHttpServer.Response(200));
        var probe = new V1Probe { HttpGet = new V1HTTPGetAction { Port = "web", Path = "/" }, TimeoutSeconds = 10 };
        var container = Specs.Container(new V1ContainerPort { Name = "web", ContainerPort = server.Port });
        var outcome = await Executor().ProbeAsync(probe, Context(container), None);

        Assert.Equal(ProbeOutcomeKind.Success, outcome.Kind);
    }

    [Theory]
    [InlineData("nope", "strconv.Atoi: parsing \"nope\": invalid syntax")]
    [InlineData("99999999999", "strconv.Atoi: parsing \"99999999999\": value out of range")]
    [InlineData("-", "strconv.Atoi: parsing \"-\": invalid syntax")]
    [InlineData("", "strconv.Atoi: parsing \"\": invalid syntax")]
    [InlineData("70000", "invalid port number: 70000")]
    [InlineData("0", "invalid port number: 0")]
    public async Task UnresolvablePort_IsAnError(string port, string message)
    {
        var http = new V1Probe { HttpGet = new V1HTTPGetAction { Port = port } };
        var tcp = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = port } };

        Assert.Equal(ProbeOutcome.Error(message), await Executor().ProbeAsync(http, Context(), None));
        Assert.Equal(ProbeOutcome.Error(message), await Executor().ProbeAsync(tcp, Context(), None));
    }

    [Fact]
    public async Task TcpSocket_OpenPortSucceeds_ClosedPortIsRefused()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var open = ((IPEndPoint)listener.LocalEndpoint).Port;
        var closed = ClosedPort.Get();
        try
        {
            var ok = await Executor().ProbeAsync(new V1Probe { TcpSocket = new V1TCPSocketAction { Port = open.ToString(System.Globalization.CultureInfo.InvariantCulture) }, TimeoutSeconds = 10 }, Context(), None);
            var refused = await Executor().ProbeAsync(new V1Probe { TcpSocket = new V1TCPSocketAction { Port = closed.ToString(System.Globalization.CultureInfo.InvariantCulture), Host = "127.0.0.1" }, TimeoutSeconds = 10 }, Context(podIp: "10.255.255.1"), None);

            Assert.Equal(ProbeOutcome.Success(), ok);
            Assert.Equal(ProbeOutcome.Failure($"dial tcp 127.0.0.1:{closed}: connect: connection refused"), refused);
        }
        finally
        {
            listener.Stop();
        }
    }

    [Theory]
    [InlineData(0, false, "all good", ProbeOutcomeKind.Success, "all good")]
    [InlineData(1, false, "bad\n", ProbeOutcomeKind.Failure, "bad\n")]
    [InlineData(137, false, "", ProbeOutcomeKind.Failure, "")]
    [InlineData(-1, true, "partial", ProbeOutcomeKind.Failure, "command \"sh -c sleep 5; echo \\\"x\\\"\" timed out")]
    public async Task Exec_ExitCodeAndTimeout(int exitCode, bool timedOut, string output, ProbeOutcomeKind kind, string message)
    {
        var runtime = new FakeExecRuntime((_, _) => Task.FromResult(new ExecResult(exitCode, output, timedOut)));
        var probe = new V1Probe { Exec = new V1ExecAction { Command = ["sh", "-c", "sleep 5; echo \"x\""] }, TimeoutSeconds = 3 };
        var outcome = await Executor(runtime).ProbeAsync(probe, Context(), None);

        Assert.Equal(new ProbeOutcome(kind, message), outcome);
        Assert.Equal(("cid", TimeSpan.FromSeconds(3)), (runtime.Execs[0].ContainerId, runtime.Execs[0].Timeout));
    }

    [Fact]
    public async Task Exec_ExpandsStaticEnv_OutputCutAt10KiB_RuntimeErrorsAreErrors()
    {
        var runtime = new FakeExecRuntime((_, _) => Task.FromResult(new ExecResult(1, new string('y', 20_000), false)));
        var container = Specs.Container();
        container.Env = [new V1EnvVar { Name = "PORT", Value = "8080" }, new V1EnvVar { Name = "FROM", ValueFrom = new V1EnvVarSource() }];
        var probe = new V1Probe { Exec = new V1ExecAction { Command = ["check", "$(PORT)", "$(FROM)", "$(MISSING)", "$$(PORT)"] } };
        var outcome = await Executor(runtime).ProbeAsync(probe, Context(container), None);
        var failing = new FakeExecRuntime((_, _) => throw new InvalidOperationException("container not found"));

        Assert.Equal(["check", "8080", "", "$(MISSING)", "$(PORT)"], runtime.Execs[0].Argv);
        Assert.Equal(10 * 1024, outcome.Output.Length);
        Assert.Equal(ProbeOutcome.Error("container not found"), await Executor(failing).ProbeAsync(probe, Context(), None));
    }

    [Fact]
    public async Task NoHandler_IsAnError()
    {
        var outcome = await Executor().ProbeAsync(new V1Probe(), Context(), None);

        Assert.Equal(ProbeOutcome.Error("missing probe handler for p_ns(uid-1):c"), outcome);
    }
}
