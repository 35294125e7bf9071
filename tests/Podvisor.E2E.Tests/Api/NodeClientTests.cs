namespace Podvisor.E2E.Tests.Api;

/// <summary>Skips unless node and @kubernetes/client-node (installed by .ci/run under ~/.cache/podvisor-e2e-node) are present.</summary>
internal sealed class NodeClientFactAttribute : FactAttribute
{
    public NodeClientFactAttribute()
    {
        if (!File.Exists("/usr/bin/node") || !Directory.Exists(Path.Combine(NodeClientTests.Modules, "@kubernetes", "client-node")))
        {
            Skip = $"node or @kubernetes/client-node not installed (npm install --prefix {Path.GetDirectoryName(NodeClientTests.Modules)} @kubernetes/client-node@0.22.3): the Node.js client test needs it";
        }
    }
}

/// <summary>The Node.js client refuses plain HTTP without skipTLSVerify; over the default kubeconfig it verifies the server's CA.</summary>
public sealed class NodeClientTests
{
    public static readonly string Modules = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "podvisor-e2e-node", "node_modules");

    private const string Script = """
        const k8s = require('@kubernetes/client-node');
        const kc = new k8s.KubeConfig();
        kc.loadFromFile(process.argv[1]);
        const v1 = kc.makeApiClient(k8s.CoreV1Api);
        v1.listNode()
          .then(r => { console.log('nodes ' + r.body.items.map(n => n.metadata.name).join(',')); return v1.listNamespace(); })
          .then(r => console.log('namespaces ' + r.body.items.length))
          .catch(e => { console.error(e.message || e); process.exit(1); });
        """;

    [NodeClientFact]
    public async Task NodeClientListsOverVerifiedHttps()
    {
        await using var h = await ApiServerHarness.StartAsync();
        var lines = await ClientScript.RunAsync("/usr/bin/node", ["-e", Script, h.Kubeconfig], new Dictionary<string, string> { ["NODE_PATH"] = Modules });
        Assert.Equal(["nodes podvisor-node", "namespaces 4"], lines);
    }
}
