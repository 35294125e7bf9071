using System.Diagnostics;
using System.Threading.Channels;

namespace Podvisor.E2E.Tests.Api;

/// <summary>Skips a theory unless both kubectl binaries the API must support are installed.</summary>
internal sealed class KubectlTheoryAttribute : TheoryAttribute
{
    public KubectlTheoryAttribute()
    {
        var missing = Kubectl.Versions.Concat(Kubectl.Floors).Distinct().Where(v => !File.Exists(Kubectl.PathOf(v))).ToList();
        if (missing.Count > 0)
        {
            Skip = $"kubectl {string.Join(", ", missing)} not installed at {Kubectl.PathOf(missing[0])}: the real-kubectl E2E tests need it";
        }
    }
}

/// <summary>Runs a real kubectl (as argv, never through a shell) against a kubeconfig; its cache and HOME go under <paramref name="home"/>.</summary>
internal sealed class Kubectl(string version, string kubeconfig, string home)
{
    public Kubectl(string version, ApiServerHarness harness)
        : this(version, harness.Kubeconfig, harness.DataDir)
    {
    }

    public static readonly string[] Versions = ["1.32", "1.33"];

    /// <summary>The oldest supported kubectl, one from the middle, and the newest: the API-completeness tests run on these.</summary>
    public static readonly string[] Floors = ["1.27", "1.30", "1.33"];

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static string PathOf(string version) => $"/usr/lib/google-cloud-sdk/bin/kubectl.{version}";

    public async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) => await RunWithInputAsync(null, args);

    public async Task<(int ExitCode, string Stdout, string Stderr)> RunWithInputAsync(string? stdin, params string[] args)
    {
        using var process = Start(args, stdin is not null);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Timeout);
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs kubectl with its exit asserted as success; returns stdout.</summary>
    public async Task<string> OkAsync(params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(args);
        Assert.True(code == 0, $"kubectl {string.Join(' ', args)} exited {code}: {stderr}");
        return stdout;
    }

    /// <summary>Starts a long-running kubectl (get -w, logs -f) whose stdout lines can be awaited.</summary>
    public StreamingKubectl Stream(params string[] args) => new(Start(args, redirectInput: false));

    private Process Start(string[] args, bool redirectInput)
    {
        var info = new ProcessStartInfo(PathOf(version))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--kubeconfig");
        info.ArgumentList.Add(kubeconfig);
        info.ArgumentList.Add("--cache-dir");
        info.ArgumentList.Add(Path.Combine(home, "kubectl-cache-" + version));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["HOME"] = home;
        info.Environment.Remove("KUBECONFIG");
        return Process.Start(info)!;
    }
}

/// <summary>A running kubectl whose output lines arrive on a channel.</summary>
internal sealed class StreamingKubectl : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

    public StreamingKubectl(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _lines.Writer.TryComplete();
            }
            else
            {
                _lines.Writer.TryWrite(e.Data);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public List<string> Seen { get; } = [];

    /// <summary>Waits for an output line matching <paramref name="predicate"/>; fails after one overall timeout.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, string what)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (await _lines.Reader.WaitToReadAsync(cts.Token))
            {
                while (_lines.Reader.TryRead(out var line))
                {
                    Seen.Add(line);
                    if (predicate(line))
                    {
                        return line;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Reported below with what was seen.
        }

        Assert.Fail($"no line for {what}; saw:\n{string.Join('\n', Seen)}");
        return "";
    }

    /// <summary>Waits for the process to exit by itself (e.g. logs -f when the pod goes away).</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
