using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Podvisor.E2E.Tests.Serve;

/// <summary>
/// <c>dotnet podvisor.dll serve --data-dir DIR ...</c> as a child process (the build copies podvisor.dll next to the
/// tests). Started means the URL line appeared on stderr; stopped means SIGTERM and its exit. Its output is kept for
/// failure messages.
/// </summary>
internal sealed partial class ServeProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<string> _url = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServeProcess(IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "podvisor.dll"));
        info.ArgumentList.Add("serve");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        _process = new Process { StartInfo = info, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Record(e.Data, stderr: false);
        _process.ErrorDataReceived += (_, e) => Record(e.Data, stderr: true);
        _process.Exited += (_, _) => _exited.TrySetResult();
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The URL from the <c>serving the Kubernetes API at URL</c> line.</summary>
    public string Url => _url.Task.Result;

    public int Pid => _process.Id;

    /// <summary>Everything serve wrote so far (stdout and stderr, interleaved as received).</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>Starts serve and waits for its URL line; fails the test with serve's output if it exits or stalls first.</summary>
    public static async Task<ServeProcess> StartAsync(IEnumerable<string> args)
    {
        var serve = new ServeProcess(args);
        var first = await Task.WhenAny(serve._url.Task, serve._exited.Task, Task.Delay(StartTimeout));
        if (first != serve._url.Task)
        {
            var why = first == serve._exited.Task ? $"exited {serve._process.ExitCode}" : $"printed no URL within {StartTimeout.TotalSeconds} s";
            await serve.DisposeAsync();
            Assert.Fail($"podvisor serve {why}:\n{serve.Output}");
        }

        return serve;
    }

    /// <summary>Runs serve expecting it to exit by itself (e.g. refusing its flags); returns the exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IEnumerable<string> args)
    {
        await using var serve = new ServeProcess(args);
        var exit = await serve.WaitForExitAsync(StartTimeout);
        return (exit ?? -1, serve.Output);
    }

    /// <summary>SIGTERM, then waits for the exit; returns the exit code (null: it did not exit in time and was killed).</summary>
    public async Task<int?> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            HostProcess.Run("kill", "-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)); // Process.Kill only sends SIGKILL
        }

        var exit = await WaitForExitAsync(timeout);
        if (exit is null)
        {
            _process.Kill();
            await _exited.Task;
        }

        return exit;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _exited.Task;
        }

        _process.Dispose();
    }

    private async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        if (await Task.WhenAny(_exited.Task, Task.Delay(timeout)) != _exited.Task)
        {
            return null;
        }

        // Exited fires before the redirected streams are drained; WaitForExit waits for them too.
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    private void Record(string? line, bool stderr)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        if (stderr && UrlLine().Match(line) is { Success: true } match)
        {
            _url.TrySetResult(match.Groups["url"].Value);
        }
    }

    [GeneratedRegex(@"^podvisor \S+: serving the Kubernetes API at (?<url>\S+)$")]
    private static partial Regex UrlLine();
}
