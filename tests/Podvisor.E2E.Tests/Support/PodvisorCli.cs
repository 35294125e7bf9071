using System.Diagnostics;
using System.Text;

namespace Podvisor.E2E.Tests.Support;

/// <summary>What a finished <c>podvisor</c> invocation produced.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr);

/// <summary>
/// The real <c>podvisor</c> command as a subprocess (<c>dotnet podvisor.dll</c> next to the test assembly), with
/// stdout and stderr redirected (so <c>run</c> writes plain stderr lines, no live view), its own TMPDIR (so a test can
/// check that <c>run</c> removed its temporary data dir), waits on stderr lines, signals, and ONE deadline per process.
/// </summary>
public sealed class PodvisorCli : IAsyncDisposable
{
    public static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(120);

    private readonly Process _process;
    private readonly CancellationTokenSource _deadline = new(TestTimeout);
    private readonly Task<string> _stdout;
    private readonly StringBuilder _stderr = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PodvisorCli(IEnumerable<string> args, string tempDir)
    {
        TempDir = tempDir;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "podvisor.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["TMPDIR"] = tempDir;
        start.Environment.Remove("TERM");
        _process = new Process { StartInfo = start };
        _process.ErrorDataReceived += (_, e) => OnStderrLine(e.Data);
        _process.Start();
        _process.StandardInput.Close();
        _process.BeginErrorReadLine();
        _stdout = _process.StandardOutput.ReadToEndAsync(_deadline.Token);
    }

    /// <summary>The TMPDIR of the process (a fresh directory, removed on disposal).</summary>
    public string TempDir { get; }

    public static PodvisorCli Start(params string[] args) =>
        new(args, Directory.CreateTempSubdirectory("podvisor-e2e-cli-").FullName);

    /// <summary>Runs <c>podvisor ARGS</c> to completion.</summary>
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        await using var cli = Start(args);
        return await cli.WaitForExitAsync();
    }

    /// <summary>Waits for a stderr line (already written or future) that matches.</summary>
    public Task<string> WaitForStderrLineAsync(Func<string, bool> match, string description)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_stderr)
        {
            var line = _stderr.ToString().Split('\n').FirstOrDefault(match);
            if (line is not null)
            {
                seen.SetResult(line);
            }
            else
            {
                _waiters.Add((match, seen));
            }
        }

        return WithDeadlineAsync(seen.Task, "a stderr line: " + description);
    }

    /// <summary>Sends a signal to the podvisor process (e.g. SIGTERM).</summary>
    public void Signal(int signal) => Assert.Equal(0, Native.kill(_process.Id, signal));

    public async Task<CliResult> WaitForExitAsync()
    {
        await WithDeadlineAsync(_process.WaitForExitAsync(_deadline.Token), "the process to exit");
        var stdout = await _stdout;
        await WithDeadlineAsync(_stderrClosed.Task, "stderr to close");
        lock (_stderr)
        {
            return new CliResult(_process.ExitCode, stdout, _stderr.ToString());
        }
    }

    private async Task<T> WithDeadlineAsync<T>(Task<T> task, string what)
    {
        await WithDeadlineAsync((Task)task, what);
        return await task;
    }

    private async Task WithDeadlineAsync(Task task, string what)
    {
        try
        {
            await task.WaitAsync(_deadline.Token);
        }
        catch (OperationCanceledException) when (_deadline.IsCancellationRequested)
        {
            string stderr;
            lock (_stderr)
            {
                stderr = _stderr.ToString();
            }

            throw new TimeoutException($"timed out waiting for {what}; stderr so far:\n{stderr}");
        }
    }

    private void OnStderrLine(string? line)
    {
        if (line is null)
        {
            _stderrClosed.TrySetResult();
            return;
        }

        lock (_stderr)
        {
            _stderr.Append(line).Append('\n');
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Seen.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>Kills a process that is still running (a failed test), then removes its TMPDIR.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _deadline.Dispose();
        Directory.Delete(TempDir, recursive: true);
    }
}
