using Podvisor.E2E.Tests.Api;
using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Serve;

/// <summary>
/// Skips unless pods can use the API from inside as on a cluster: root (network namespaces, the token volume's bind
/// mount), Debian's python3-kubernetes for /usr/bin/python3 (the in-pod client) and the newest supported kubectl.
/// </summary>
internal sealed class InClusterFactAttribute : FactAttribute
{
    public InClusterFactAttribute()
    {
        if (!Native.IsRoot)
        {
            Skip = RootFactAttribute.Reason;
        }
        else if (!PythonClientTests.Available())
        {
            Skip = "python3-kubernetes is not installed for /usr/bin/python3 (apt-get install python3-kubernetes): the pods' in-cluster client needs it";
        }
        else if (!File.Exists(Kubectl.PathOf(InClusterPods.KubectlVersion)))
        {
            Skip = $"kubectl {InClusterPods.KubectlVersion} not installed at {Kubectl.PathOf(InClusterPods.KubectlVersion)}: the real-kubectl E2E tests need it";
        }
    }
}

/// <summary>Pods whose containers run Python scripts against the API with the Python client's in-cluster config.</summary>
internal static class InClusterPods
{
    public const string TokenDir = "/var/run/secrets/kubernetes.io/serviceaccount";

    public static readonly string KubectlVersion = Kubectl.Versions[^1];

    /// <summary>
    /// What every script starts with: the client configured by <c>load_incluster_config()</c> (KUBERNETES_SERVICE_HOST/PORT,
    /// the projected token and ca.crt), <c>v1</c>, <c>NAME</c> (the pod's, from $HOSTNAME) and <c>NS</c> (from the namespace file).
    /// </summary>
    private const string Preamble = $$"""
        import json, os, sys
        from kubernetes import client, config, watch
        from kubernetes.client.rest import ApiException
        config.load_incluster_config()
        v1 = client.CoreV1Api()
        NAME = os.environ["HOSTNAME"]
        NS = open("{{TokenDir}}/namespace").read()
        """;

    /// <summary>
    /// A container's <c>command</c> and <c>args</c> (YAML, each line indented by <paramref name="indent"/> spaces) that run
    /// <paramref name="script"/> after the preamble with unbuffered output, so its log lines arrive as printed.
    /// </summary>
    public static string PythonCommand(string script, int indent)
    {
        var pad = new string(' ', indent);
        var body = string.Join('\n', (Preamble + "\n" + script).Split('\n').Select(l => pad + "  " + l));
        return $"{pad}command: [/usr/bin/python3, -u, -c]\n{pad}args:\n{pad}- |\n{body}";
    }

    /// <summary><c>kubectl apply -f -</c> of <paramref name="yaml"/>, its success asserted.</summary>
    public static async Task ApplyAsync(Kubectl k, string yaml)
    {
        var (code, _, stderr) = await k.RunWithInputAsync(yaml, "apply", "-f", "-");
        Assert.True(code == 0, $"kubectl apply exited {code}: {stderr}");
    }

    /// <summary>The port of serve's URL: the pod listener on the bridge's gateway shares it.</summary>
    public static int Port(ServeHarness h) => new Uri(h.Serve.Url).Port;
}
