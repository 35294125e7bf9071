using Podvisor.Agent.Logs;
using Podvisor.Api;
using Podvisor.Core.Model;

namespace Podvisor.E2E.Tests.Api;

/// <summary>
/// An in-process PodvisorApiServer on a free loopback port with a <see cref="FakeAgent"/>. Without a given data
/// directory it makes a temporary one and deletes it on dispose; a given one (restart tests) is kept.
/// </summary>
internal sealed class ApiServerHarness : IAsyncDisposable
{
    private readonly bool _ownsDataDir;

    private ApiServerHarness(string dataDir, bool ownsDataDir, PodvisorApiServer server, FakeAgent agent, string url)
    {
        _ownsDataDir = ownsDataDir;
        DataDir = dataDir;
        Server = server;
        Agent = agent;
        Url = url;
    }

    /// <summary>This machine, read once for every server of the test run.</summary>
    public static HostFacts Host { get; } = HostFacts.Detect(Path.GetTempPath());

    public string DataDir { get; }

    public PodvisorApiServer Server { get; }

    public FakeAgent Agent { get; }

    public string Url { get; }

    public string Kubeconfig => Server.KubeconfigPath;

    /// <summary>An HTTP client for the API that trusts its serving certificate (the kubeconfig's CA).</summary>
    public HttpClient Http() => Serve.TrustedHttp.Client(Kubeconfig);

    public static async Task<ApiServerHarness> StartAsync(string? dataDir = null, string? tokenFile = null)
    {
        var owns = dataDir is null;
        dataDir ??= Directory.CreateTempSubdirectory("podvisor-api-").FullName;
        var server = new PodvisorApiServer(new PodvisorApiServerOptions { DataDir = dataDir, NodeName = "podvisor-node", Host = Host, TokenFile = tokenFile });
        var agent = new FakeAgent();
        agent.Connect(server);
        server.Attach(agent, new ContainerLogManager(dataDir));
        var url = await server.StartAsync();
        return new ApiServerHarness(dataDir, owns, server, agent, url);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.StopAsync();
        if (!_ownsDataDir)
        {
            return;
        }

        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // A log-follow test may still hold a file; the temp directory is left behind.
        }
    }
}
