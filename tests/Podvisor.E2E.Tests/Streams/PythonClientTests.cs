using System.Diagnostics;
using Podvisor.E2E.Tests.Serve;

namespace Podvisor.E2E.Tests.Streams;

/// <summary>Skips unless Debian's python3-kubernetes is importable by /usr/bin/python3 (.ci/run installs it).</summary>
internal sealed class PythonClientFactAttribute : FactAttribute
{
    public PythonClientFactAttribute()
    {
        if (!File.Exists("/usr/bin/python3") || !Directory.Exists("/usr/lib/python3/dist-packages/kubernetes"))
        {
            Skip = "python3-kubernetes is not installed (apt-get install python3-kubernetes): the Python client test needs it";
        }
    }
}

/// <summary>The Python client's <c>kubernetes.stream</c> (v4.channel.k8s.io): exec with stdin and exit code, and port-forward.</summary>
[Collection(ServeCollection.Name)]
public sealed class PythonClientTests
{
    private const string Web = """
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          containers:
          - name: web
            image: host
            command: [python3, -m, http.server, "PORT", --bind, 127.0.0.1, --directory, /data]
            volumeMounts: [{name: data, mountPath: /data}]
          volumes: [{name: data, emptyDir: {}}]
        """;

    [PythonClientFact]
    public async Task ExecAndPortForwardThroughKubernetesStream()
    {
        await using var h = await ServeHarness.StartAsync();
        var k = h.Kubectl("1.33");
        var port = Random.Shared.Next(20000, 30000);
        await k.RunWithInputAsync(Web.Replace("PORT", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal), "apply", "-f", "-");
        await k.OkAsync("wait", "--for=condition=Ready", "pod/web", "--timeout=30s");
        await k.OkAsync("exec", "web", "--", "sh", "-c", "echo hello-web > /data/index.html");

        var info = new ProcessStartInfo("/usr/bin/python3", [Path.Combine(AppContext.BaseDirectory, "Streams", "python_client.py"), h.Kubeconfig, $"{port}", $"{port + 1}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["HOME"] = h.Root;
        using var python = Process.Start(info)!;
        var stdout = python.StandardOutput.ReadToEndAsync();
        var stderr = python.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await python.WaitForExitAsync(deadline.Token);

        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(python.ExitCode == 0, $"python exited {python.ExitCode}: {await stderr}\n{await stdout}");
        Assert.Equal("exec:err out", lines[0]);
        Assert.Equal("stdin:'from python\\n' rc=4", lines[1]);
        Assert.Equal("http:HTTP/1.0 200 OK hello-web", lines[2]);
        Assert.StartsWith($"refused:error forwarding port {port + 1} to pod ", lines[3]);
        Assert.EndsWith($"dial tcp4 127.0.0.1:{port + 1}: connect: connection refused", lines[3]);
        await h.StopAsync();
    }
}
