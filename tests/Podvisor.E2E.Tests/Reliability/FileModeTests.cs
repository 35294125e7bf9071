using k8s;
using Podvisor.E2E.Tests.Serve;

namespace Podvisor.E2E.Tests.Reliability;

/// <summary>Secrets-bearing files serve writes are 0600 (created so, never chmod'ed afterwards).</summary>
[Collection(ServeCollection.Name)]
public sealed class FileModeTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task StoreWalKubeconfigAndServingKeyAreOwnerOnly()
    {
        await using var h = await ServeHarness.StartAsync(token: "secret-token");
        await h.Client.CoreV1.ListNamespacedPodAsync("default");
        foreach (var file in new[] { "podvisor.db", "podvisor.db-wal", "podvisor.db-shm", "kubeconfig", "serving-cert.pfx" })
        {
            var path = Path.Combine(h.DataDir, file);
            Assert.True(File.Exists(path), $"{file} is missing");
            Assert.Equal((file, OwnerOnly), (file, File.GetUnixFileMode(path)));
        }

        await h.StopAsync();
    }

    /// <summary>Runtime records carry env values (Secrets' too) and logs carry output: neither is world-readable.</summary>
    [Fact]
    public async Task RuntimeRecordsAreOwnerOnlyAndContainerLogsAreNotWorldReadable()
    {
        await using var h = await ServeHarness.StartAsync();
        var pod = await h.Client.CoreV1.CreateNamespacedPodAsync(Manifests.Pod(h, """
            apiVersion: v1
            kind: Pod
            metadata: {name: modes}
            spec:
              restartPolicy: Never
              containers:
              - {name: c, image: busybox, command: [sh, -c, "echo $TOKEN"], env: [{name: TOKEN, value: s3cret}]}
            """), "default");
        using (var watch = await h.WatchPodAsync("modes"))
        {
            await watch.WaitAsync(p => p.Status?.Phase == "Succeeded", "Succeeded");
        }

        var runtime = Path.Combine(h.DataDir, "runtime");
        Assert.Equal(OwnerOnly | UnixFileMode.UserExecute, File.GetUnixFileMode(runtime));
        Assert.All(Directory.GetFiles(runtime, "*.json", SearchOption.AllDirectories), f => Assert.Equal((f, OwnerOnly), (f, File.GetUnixFileMode(f))));
        var log = Path.Combine(h.DataDir, "logs", $"default_modes_{pod.Metadata.Uid}", "c", "0.log");
        Assert.Equal(OwnerOnly | UnixFileMode.GroupRead, File.GetUnixFileMode(log));
        await h.StopAsync();
    }

    [Fact]
    public async Task AMissingTokenFileIsAClearErrorNotAStackTrace()
    {
        var dataDir = Directory.CreateTempSubdirectory("podvisor-token-").FullName;
        try
        {
            var (exitCode, output) = await ServeProcess.RunToExitAsync(["--data-dir", dataDir, "--token-file", Path.Combine(dataDir, "absent")]);
            Assert.Equal(2, exitCode);
            Assert.Contains("error: cannot read the token file", output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
