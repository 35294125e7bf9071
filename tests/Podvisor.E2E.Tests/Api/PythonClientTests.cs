using System.Diagnostics;

namespace Podvisor.E2E.Tests.Api;

/// <summary>Skips unless Debian's python3-kubernetes is importable by /usr/bin/python3 (.ci/run installs it).</summary>
internal sealed class PythonClientFactAttribute : FactAttribute
{
    public PythonClientFactAttribute()
    {
        if (!PythonClientTests.Available())
        {
            Skip = "python3-kubernetes is not installed for /usr/bin/python3 (apt-get install python3-kubernetes): the Python client test needs it";
        }
    }
}

/// <summary>The Python client over the default kubeconfig: HTTPS verified against its CA, the node, paginated lists, a watch.</summary>
public sealed class PythonClientTests
{
    private const string Python = "/usr/bin/python3";

    private const string Script = """
        import sys
        from kubernetes import client, config, watch
        config.load_kube_config(config_file=sys.argv[1])
        v1 = client.CoreV1Api()
        print("node", v1.read_node("podvisor-node").status.node_info.kubelet_version)
        for name in ("a", "b"):
            v1.create_namespaced_pod("default", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                "spec": {"containers": [{"name": "c", "image": "busybox", "command": ["sleep", "9"]}]}})
        first = v1.list_namespaced_pod("default", limit=1)
        rest = v1.list_namespaced_pod("default", limit=1, _continue=first.metadata._continue)
        print("pages", first.items[0].metadata.name, rest.items[0].metadata.name)
        for event in watch.Watch().stream(v1.list_namespaced_pod, "default", timeout_seconds=30):
            print("watch", event["type"], event["object"].metadata.name)
            break
        """;

    public static bool Available()
    {
        if (!File.Exists(Python))
        {
            return false;
        }

        using var probe = Process.Start(new ProcessStartInfo(Python) { ArgumentList = { "-c", "import kubernetes" }, RedirectStandardError = true })!;
        probe.WaitForExit();
        return probe.ExitCode == 0;
    }

    [PythonClientFact]
    public async Task PythonClientVerifiesTheServerReadsTheNodePagesAndWatches()
    {
        await using var h = await ApiServerHarness.StartAsync();
        var lines = await ClientScript.RunAsync(Python, ["-c", Script, h.Kubeconfig]);
        Assert.StartsWith("node v1.36.0-podvisor.", lines[0]);
        Assert.Equal("pages a b", lines[1]);
        Assert.Equal("watch ADDED a", lines[2]);
    }
}
