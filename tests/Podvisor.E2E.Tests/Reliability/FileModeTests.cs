using k8s;
using Podvisor.E2E.Tests.Serve;

namespace Podvisor.E2E.Tests.Reliability;

/// <summary>Secrets-bearing files serve writes are 0600 (created so, never chmod'ed afterwards).</summary>
[Collection(ServeCollection.Name)]
public sealed class FileModeTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task Store_wal_kubeconfig_and_serving_key_are_owner_only()
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

    [Fact]
    public async Task A_missing_token_file_is_a_clear_error_not_a_stack_trace()
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
