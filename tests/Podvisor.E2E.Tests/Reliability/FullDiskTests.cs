using System.Net;
using System.Text;
using Podvisor.E2E.Tests.Api;
using Podvisor.E2E.Tests.Serve;

namespace Podvisor.E2E.Tests.Reliability;

/// <summary>
/// The data dir on an 8 MiB tmpfs, filled up: writes fail with 500 InternalError and change nothing, reads keep
/// working, and writes succeed again once space returns; after a restart the store holds exactly the acknowledged writes.
/// </summary>
public sealed class FullDiskTests
{
    private const string Pods = "/api/v1/namespaces/default/pods";

    [RootFact]
    public async Task WritesFailCleanlyWhileTheDiskIsFullAndResumeWhenSpaceReturns()
    {
        var mount = Directory.CreateTempSubdirectory("podvisor-full-").FullName;
        HostProcess.Run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mount);
        Assert.True(File.ReadAllText("/proc/self/mounts").Contains(mount, StringComparison.Ordinal), "mounting the tmpfs failed");
        try
        {
            var filler = Path.Combine(mount, "filler");
            await using (var h = await ApiServerHarness.StartAsync(Path.Combine(mount, "data")))
            {
                using var http = h.Http();
                Assert.Equal(HttpStatusCode.Created, (await CreateAsync(http, "before")).StatusCode);
                Fill(filler);

                using var failed = await CreateAsync(http, "during");
                Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
                Assert.Contains("Internal error occurred: writing to the store database failed", await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"{Pods}/during")).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"{Pods}/before")).StatusCode);

                File.Delete(filler);
                Assert.Equal(HttpStatusCode.Created, (await CreateAsync(http, "after")).StatusCode);
            }

            await using (var restarted = await ApiServerHarness.StartAsync(Path.Combine(mount, "data")))
            {
                using var http = restarted.Http();
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"{Pods}/before")).StatusCode);
                Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"{Pods}/during")).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"{Pods}/after")).StatusCode);
            }
        }
        finally
        {
            HostProcess.Run("umount", mount);
            Directory.Delete(mount, recursive: true);
        }
    }

    private static Task<HttpResponseMessage> CreateAsync(HttpClient http, string name) => http.PostAsync(Pods, new StringContent(
        """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"NAME"},"spec":{"containers":[{"name":"main","image":"busybox","command":["sleep","3600"]}]}}""".Replace("NAME", name, StringComparison.Ordinal),
        Encoding.UTF8,
        "application/json"));

    /// <summary>Writes until the file system has no block left.</summary>
    private static void Fill(string path)
    {
        var block = new byte[64 * 1024];
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        try
        {
            while (true)
            {
                stream.Write(block);
                stream.Flush();
            }
        }
        catch (IOException)
        {
        }

        try
        {
            while (true)
            {
                stream.Write(block, 0, 1);
                stream.Flush();
            }
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A fact that needs root (mounts); skipped with the reason otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (Environment.UserName != "root")
        {
            Skip = "needs root (mounts a tmpfs)";
        }
    }
}
