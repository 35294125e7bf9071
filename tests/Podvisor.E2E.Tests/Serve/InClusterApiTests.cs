using k8s;
using k8s.Models;
using Podvisor.E2E.Tests.Api;

namespace Podvisor.E2E.Tests.Serve;

/// <summary>
/// In-pod API access against serve (issue 12 items 3-6): a pod's ServiceAccount token, projected with ca.crt and
/// namespace, lets the unchanged Python client (<c>load_incluster_config</c>) read and patch its own pod and list pods
/// in its namespace, and nothing outside its rules (RBAC's 403); <c>automountServiceAccountToken: false</c> mounts
/// nothing; <c>kubectl create token</c> gives the same identity; the docs' <c>commands.yaml</c> prints its environment.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class InClusterApiTests
{
    private const string Forbidden = "is forbidden: User \"system:serviceaccount:default:default\" cannot";

    private static readonly string Script = $$"""
        import stat
        for f in ("token", "ca.crt", "namespace"):
            print("file", f, oct(stat.S_IMODE(os.stat("{{InClusterPods.TokenDir}}/" + f).st_mode)))
        print("namespace", NS)
        print("service", os.environ["KUBERNETES_SERVICE_HOST"], os.environ["KUBERNETES_SERVICE_PORT"], os.environ["KUBERNETES_PORT"])
        me = v1.read_namespaced_pod(NAME, NS)
        print("read", me.metadata.name, me.metadata.uid, me.spec.service_account_name)
        v1.patch_namespaced_pod(NAME, NS, dict(metadata=dict(annotations={"example.com/patched-by": NAME})))
        print("patched")
        print("list", " ".join(sorted(p.metadata.name for p in v1.list_namespaced_pod(NS).items)))
        for what, call in (("kube-system pods", lambda: v1.list_namespaced_pod("kube-system")),
                           ("secrets", lambda: v1.list_namespaced_secret(NS)),
                           ("secret", lambda: v1.read_namespaced_secret("any", NS))):
            try:
                call()
                print("allowed", what)
            except ApiException as e:
                print("refused", what, e.status, json.loads(e.body)["message"])
        """;

    private static readonly string InCluster = $$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: in-cluster}
        spec:
          restartPolicy: Never
          containers:
          - name: client
            image: python:3.12
        {{InClusterPods.PythonCommand(Script, 4)}}
        """;

    /// <summary>Opted out of the token: nothing is mounted (the empty directory a host-process pod may see is the host's).</summary>
    private const string NoToken = $$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: no-token}
        spec:
          restartPolicy: Never
          automountServiceAccountToken: false
          containers:
          - name: main
            image: busybox
            command: [sh, -c, 'ls -A {{InClusterPods.TokenDir}}/ 2>/dev/null | grep -q . && echo mounted || echo nothing mounted']
        """;

    /// <summary>The Kubernetes docs' pods/commands.yaml, as published.</summary>
    private const string CommandDemo = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: command-demo
          labels:
            purpose: demonstrate-command
        spec:
          containers:
          - name: command-demo-container
            image: debian
            command: ["printenv"]
            args: ["HOSTNAME", "KUBERNETES_PORT"]
          restartPolicy: OnFailure
        """;

    [InClusterFact]
    public async Task APodReadsPatchesAndListsThroughItsTokenAndIsRefusedOutsideItsRules()
    {
        await using var h = await ServeHarness.StartAsync();
        var k = h.Kubectl(InClusterPods.KubectlVersion);
        await InClusterPods.ApplyAsync(k, NoToken);
        using (var watch = await h.WatchPodAsync("no-token"))
        {
            await watch.WaitAsync(p => p.Status?.Phase == "Succeeded", "phase Succeeded");
        }

        var noToken = await h.Client.CoreV1.ReadNamespacedPodAsync("no-token", "default");
        Assert.DoesNotContain(noToken.Spec.Volumes ?? [], v => v.Projected is not null || v.Name.StartsWith("kube-api-access-", StringComparison.Ordinal));
        Assert.Null(noToken.Spec.Containers.Single().VolumeMounts);
        Assert.Equal("nothing mounted\n", await k.OkAsync("logs", "no-token"));

        await InClusterPods.ApplyAsync(k, InCluster);
        using (var watch = await h.WatchPodAsync("in-cluster"))
        {
            await watch.WaitAsync(p => p.Status?.Phase is "Succeeded" or "Failed", "the script's end");
        }

        var pod = await h.Client.CoreV1.ReadNamespacedPodAsync("in-cluster", "default");
        var logs = await k.OkAsync("logs", "in-cluster");
        Assert.True(pod.Status.Phase == "Succeeded", $"the script failed:\n{logs}");
        var volume = Assert.Single(pod.Spec.Volumes, v => v.Name.StartsWith("kube-api-access-", StringComparison.Ordinal));
        Assert.Contains(pod.Spec.Containers.Single().VolumeMounts, m => m.Name == volume.Name && m.MountPath == InClusterPods.TokenDir && m.ReadOnlyProperty == true);

        var lines = logs.TrimEnd('\n').Split('\n');
        Assert.Equal(["file token 0o644", "file ca.crt 0o644", "file namespace 0o644", "namespace default"], lines[..4]);
        var service = lines[4].Split(' ');
        Assert.Equal("service", service[0]);
        Assert.Matches(@"^\d+\.\d+\.\d+\.\d+$", service[1]);
        Assert.Equal(InClusterPods.Port(h).ToString(System.Globalization.CultureInfo.InvariantCulture), service[2]);
        Assert.Equal($"tcp://{service[1]}:{service[2]}", service[3]);
        Assert.Equal(
            [
                $"read in-cluster {pod.Metadata.Uid} default",
                "patched",
                "list in-cluster no-token",
                $"refused kube-system pods 403 pods {Forbidden} list resource \"pods\" in API group \"\" in the namespace \"kube-system\"",
                $"refused secrets 403 secrets {Forbidden} list resource \"secrets\" in API group \"\" in the namespace \"default\"",
                $"refused secret 403 secrets \"any\" {Forbidden} get resource \"secrets\" in API group \"\" in the namespace \"default\"",
            ],
            lines[5..]);
        Assert.Equal("in-cluster", pod.Metadata.Annotations["example.com/patched-by"]);
        await h.StopAsync();
    }

    [InClusterFact]
    public async Task KubectlCreateTokenGivesTheDefaultServiceAccountThatMayNotReadSecrets()
    {
        await using var h = await ServeHarness.StartAsync();
        var k = h.Kubectl(InClusterPods.KubectlVersion);
        var token = (await k.OkAsync("create", "token", "default")).Trim();
        Assert.Matches(@"^[\w-]+\.[\w-]+\.[\w-]+$", token);

        Assert.Matches(@"\nUsername\s+system:serviceaccount:default:default\n", await k.OkAsync("--token", token, "auth", "whoami"));
        var (code, stdout, stderr) = await k.RunAsync("--token", token, "get", "secrets");
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Equal($"Error from server (Forbidden): secrets {Forbidden} list resource \"secrets\" in API group \"\" in the namespace \"default\"\n", stderr);
        Assert.Equal("configmap/kube-root-ca.crt\n", await k.OkAsync("--token", token, "get", "configmap", "kube-root-ca.crt", "-o", "name"));
        await h.StopAsync();
    }

    [InClusterFact]
    public async Task TheDocsCommandsYamlPrintsItsHostnameAndTheAPIAddress()
    {
        await using var h = await ServeHarness.StartAsync();
        var k = h.Kubectl(InClusterPods.KubectlVersion);
        var (code, stdout, stderr) = await k.RunWithInputAsync(CommandDemo, "apply", "-f", "-");
        Assert.True(code == 0, stderr);
        Assert.Equal("pod/command-demo created\n", stdout);
        using (var watch = await h.WatchPodAsync("command-demo"))
        {
            await watch.WaitAsync(p => p.Status?.Phase == "Succeeded", "phase Succeeded");
        }

        Assert.Matches($@"^command-demo\ntcp://\d+\.\d+\.\d+\.\d+:{InClusterPods.Port(h)}\n$", await k.OkAsync("logs", "command-demo"));
        await h.StopAsync();
    }
}
