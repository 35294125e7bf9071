using Podvisor.Api;

namespace Podvisor.E2E.Tests.Api;

/// <summary>An in-process PodvisorApiServer on a free loopback port with a <see cref="FakeAgent"/>, in a temporary data directory.</summary>
internal sealed class ApiServerHarness : IAsyncDisposable
{
    private ApiServerHarness(string dataDir, PodvisorApiServer server, FakeAgent agent, string url)
    {
        DataDir = dataDir;
        Server = server;
        Agent = agent;
        Url = url;
    }

    public string DataDir { get; }

    public PodvisorApiServer Server { get; }

    public FakeAgent Agent { get; }

    public string Url { get; }

    public string Kubeconfig => Server.KubeconfigPath;

    public static async Task<ApiServerHarness> StartAsync(string? dataDir = null, string? tokenFile = null)
    {
        dataDir ??= Directory.CreateTempSubdirectory("podvisor-api-").FullName;
        var server = new PodvisorApiServer(new PodvisorApiServerOptions { DataDir = dataDir, NodeName = "podvisor-node", TokenFile = tokenFile });
        var agent = new FakeAgent();
        agent.Connect(server);
        server.Attach(agent);
        var url = await server.StartAsync();
        return new ApiServerHarness(dataDir, server, agent, url);
    }

    /// <summary>Stops the server and keeps the data directory (for restart tests).</summary>
    public Task StopAsync() => Server.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await Server.StopAsync();
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
