using System.Diagnostics;
using System.Text.Json;

namespace Podvisor.Runtime.Cri.Tests.Harness;

using Process = System.Diagnostics.Process;

/// <summary>
/// <c>podvisor run --runtime cri -o json</c> on a manifest, against the private containerd: the exit code, the printed
/// v1 List (the final Pods, then their Events oldest first) and stderr (the plain view and warnings).
/// </summary>
internal sealed record PodvisorRun(int ExitCode, JsonElement List, string Stderr)
{
    public const int ExitTimeout = 3;

    public JsonElement Pod => List.GetProperty("items").EnumerateArray().First(i => i.GetProperty("kind").GetString() == "Pod");

    /// <summary>The pod's events, oldest first, as (type, reason, message).</summary>
    public IReadOnlyList<(string Type, string Reason, string Message)> Events =>
        [.. List.GetProperty("items").EnumerateArray().Where(i => i.GetProperty("kind").GetString() == "Event")
            .Select(e => (e.GetProperty("type").GetString()!, e.GetProperty("reason").GetString()!, e.GetProperty("message").GetString()!))];

    public IReadOnlyList<string> Messages(string reason) => [.. Events.Where(e => e.Reason == reason).Select(e => e.Message)];

    /// <summary>Where the first event with <paramref name="reason"/> (and a message starting with <paramref name="prefix"/>) is, or -1.</summary>
    public int IndexOf(string reason, string prefix = "") =>
        Events.ToList().FindIndex(e => e.Reason == reason && e.Message.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>
    /// The waiting reasons the container went through, in order, from the plain view on stderr
    /// (<c>... container NAME: Waiting: REASON (restarts N)</c>): the printed pod is the deleted one, whose waiting
    /// container is back to ContainerCreating as the kubelet reports it (no reason cache for a deleted pod).
    /// </summary>
    public IReadOnlyList<string> WaitingReasons(string container) =>
        [.. Stderr.Split('\n').Select(line => line.Split($" container {container}: Waiting: ")).Where(p => p.Length == 2).Select(p => p[1].Split(' ')[0])];

    public JsonElement ContainerStatus(string name) =>
        Pod.GetProperty("status").GetProperty("containerStatuses").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    /// <summary>Everything printed, for assertion messages.</summary>
    public override string ToString() => $"exit {ExitCode}\n{Stderr}\n{List}";

    /// <summary>Writes <paramref name="manifest"/> as <paramref name="fileName"/> under the fixture's data dir and runs it.</summary>
    public static async Task<PodvisorRun> RunAsync(ContainerdFixture containerd, string fileName, string manifest, string timeout = "120s")
    {
        var file = Path.Combine(containerd.DataDir, fileName);
        await File.WriteAllTextAsync(file, manifest);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "podvisor.dll"), "run", "--runtime", "cri", "--container-runtime-endpoint", containerd.Endpoint,
            "--data-dir", Path.Combine(containerd.DataDir, "run"), "--timeout", timeout, "-o", "json", file,
        })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(cts.Token);
        var output = await stdout;
        var error = await stderr;
        JsonElement list;
        try
        {
            list = JsonDocument.Parse(output).RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"podvisor run exited {process.ExitCode} without a JSON List: {e.Message}\n{error}\n{output}");
        }

        return new PodvisorRun(process.ExitCode, list, error);
    }

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir.FullName, "Podvisor.sln")))
        {
            dir = dir.Parent ?? throw new InvalidOperationException("Podvisor.sln not found above the test assembly");
        }

        return dir.FullName;
    }
}
