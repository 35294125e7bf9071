using System.Globalization;
using k8s;
using k8s.Models;

namespace Podvisor.E2E.Tests.Serve;

/// <summary>
/// Container logs rotate as the kubelet rotates them (--container-log-max-size, --container-log-max-files,
/// docs/contracts.md §3): a bounded number of files per instance, older ones gzip-compressed, and a follow reads on
/// across every rotation without losing or repeating a line.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class LogRotationTests
{
    private const int Bursts = 4;
    private const int LinesPerBurst = 300;

    /// <summary>Bursts of ~14 KB a second apart: each one rotates the 2 KiB log once (rotated names carry seconds).</summary>
    private const string Pod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: chatty}
        spec:
          containers:
          - name: main
            image: busybox
            command: [sh, -c, "while [ ! -f /gate/go ]; do sleep 0.05; done; i=0; for b in 1 2 3 4; do n=0; while [ $n -lt 300 ]; do echo line $i; i=$((i+1)); n=$((n+1)); done; sleep 1.1; done; echo done; exec sleep 3600"]
            volumeMounts: [{name: gate, mountPath: /gate}]
          volumes:
          - {name: gate, hostPath: {path: GATE} }
        """;

    [Fact]
    public async Task AFollowedLogReadsOnAcrossRotationsAndAtMostMaxFilesStay()
    {
        await using var h = await ServeHarness.StartAsync(extraArgs: ["--container-log-max-size", "2Ki", "--container-log-max-files", "3"]);
        var pod = await h.Client.CoreV1.CreateNamespacedPodAsync(Manifests.Pod(h, Pod), "default");
        using (var watch = await h.WatchPodAsync("chatty"))
        {
            await watch.WaitAsync(p => p.Status?.ContainerStatuses?[0].State.Running is not null, "main running");
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var stream = await h.Client.CoreV1.ReadNamespacedPodLogAsync("chatty", "default", follow: true, cancellationToken: cts.Token);
        using var reader = new StreamReader(stream);
        h.OpenGate("go");
        var numbers = new List<int>();
        while (await reader.ReadLineAsync(cts.Token) is { } line && line != "done")
        {
            numbers.Add(int.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture));
        }

        Assert.Equal(Enumerable.Range(0, Bursts * LinesPerBurst), numbers);
        var log = Path.Combine(h.DataDir, "logs", $"default_chatty_{pod.Metadata.Uid}", "main");
        var files = Directory.GetFiles(log).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(3, files.Count);
        Assert.Equal("0.log", files[0]);
        Assert.Matches(@"^0\.log\.\d{8}-\d{6}\.gz$", files[1]);
        Assert.Matches(@"^0\.log\.\d{8}-\d{6}$", files[2]);
        await h.StopAsync();
    }
}
