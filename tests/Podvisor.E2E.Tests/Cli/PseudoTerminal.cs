using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Podvisor.E2E.Tests.Cli;

/// <summary>
/// A fact that needs <c>script</c> (util-linux, Debian's essential bsdutils package) to give a program a real
/// pseudo-terminal; skipped with the reason when it is missing.
/// </summary>
public sealed class PseudoTerminalFactAttribute : FactAttribute
{
    public PseudoTerminalFactAttribute()
    {
        if (!File.Exists(PseudoTerminal.Script))
        {
            Skip = $"needs {PseudoTerminal.Script} (util-linux) to run podvisor under a pseudo-terminal";
        }
        else if (!Support.Native.IsRoot)
        {
            Skip = Support.RootFactAttribute.Reason;
        }
    }
}

/// <summary>
/// The real <c>podvisor</c> under a pseudo-terminal of 200x80 (<c>script</c> relays the terminal's output to us and
/// our input to it): what the program draws is read as text with the escape sequences removed, and keys are typed
/// into its terminal. One deadline per process; waits are on the output as it arrives.
/// </summary>
public sealed partial class PseudoTerminal : IAsyncDisposable
{
    public const string Script = "/usr/bin/script";

    private readonly Process _process;
    private readonly CancellationTokenSource _deadline = new(Support.PodvisorCli.TestTimeout);
    private readonly StringBuilder _screen = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _waiters = [];
    private readonly Task _pump;
    private readonly string _tempDir = Directory.CreateTempSubdirectory("podvisor-e2e-pty-").FullName;

    private PseudoTerminal(IEnumerable<string> args)
    {
        var podvisor = string.Join(' ', new[] { Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", Path.Combine(AppContext.BaseDirectory, "podvisor.dll") }
            .Concat(args).Select(Quote));
        var start = new ProcessStartInfo(Script)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--quiet", "--flush", "--return", "--command", $"stty cols 200 rows 80; exec {podvisor}", "/dev/null" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["TERM"] = "xterm-256color";
        start.Environment["TMPDIR"] = _tempDir;
        _process = Process.Start(start)!;
        _pump = PumpAsync();
    }

    public static PseudoTerminal Start(params string[] args) => new(args);

    /// <summary>Everything drawn so far, without escape sequences.</summary>
    public string Screen
    {
        get
        {
            lock (_screen)
            {
                return _screen.ToString();
            }
        }
    }

    /// <summary>Waits until <paramref name="text"/> has been drawn (already or later).</summary>
    public async Task WaitForAsync(string text)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_screen)
        {
            if (_screen.ToString().Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            _waiters.Add((text, seen));
        }

        try
        {
            await seen.Task.WaitAsync(_deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"timed out waiting for \"{text}\" on the screen:\n{Screen}");
        }
    }

    /// <summary>Types into the terminal (e.g. <c>r</c>, or <c>\u0003</c> for Ctrl-C, which the terminal turns into SIGINT).</summary>
    public async Task TypeAsync(string keys)
    {
        await _process.StandardInput.WriteAsync(keys);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>The program's exit status (script --return passes it on).</summary>
    public async Task<int> WaitForExitAsync()
    {
        try
        {
            await _process.WaitForExitAsync(_deadline.Token);
            await _pump;
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"timed out waiting for podvisor to exit; screen:\n{Screen}");
        }
    }

    private async Task PumpAsync()
    {
        var buffer = new char[4096];
        var reader = _process.StandardOutput;
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (_screen)
            {
                // Cursor movements separate what Spectre redraws; a newline keeps words of different rows apart.
                _screen.Append(Escapes().Replace(new string(buffer, 0, read), m => m.Value.EndsWith('H') || m.Value.EndsWith('A') ? "\n" : ""));
                var text = _screen.ToString();
                foreach (var waiter in _waiters.Where(w => text.Contains(w.Text, StringComparison.Ordinal)).ToList())
                {
                    waiter.Seen.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
        }
    }

    private static string Quote(string arg) => "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [GeneratedRegex(@"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07]*\x07|[()][0-9A-B]|[=>])")]
    private static partial Regex Escapes();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _deadline.Dispose();
        Directory.Delete(_tempDir, recursive: true);
    }
}
