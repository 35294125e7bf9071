using Podvisor.Core.Logs;
using Podvisor.Core.Model;

namespace Podvisor.Runtime.Tests.Process;

/// <summary>CRI log files and termination messages (docs/lifecycle.md §10.3) from real processes.</summary>
public sealed class ContainerOutputTests : IAsyncLifetime
{
    private RuntimeHarness _h = null!;
    private string _sandbox = null!;

    public async Task InitializeAsync()
    {
        _h = await RuntimeHarness.StartAsync();
        _sandbox = await _h.SandboxAsync(hostNetwork: true);
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Log_HasStdoutStderrAndPartialRecords()
    {
        var config = _h.Config("c", "sh", "-c", "echo out; echo err >&2; echo again; printf tail");
        await _h.RunToExitAsync(_sandbox, config);

        var records = RuntimeHarness.Log(config);
        Assert.Equal([(CriLogStream.Stdout, false, "out"), (CriLogStream.Stdout, false, "again"), (CriLogStream.Stdout, true, "tail")],
            records.Where(r => r.Stream == CriLogStream.Stdout).Select(r => (r.Stream, r.Partial, r.Content)));
        Assert.Equal([(CriLogStream.Stderr, false, "err")], records.Where(r => r.Stream == CriLogStream.Stderr).Select(r => (r.Stream, r.Partial, r.Content)));
        Assert.All(File.ReadAllLines(config.LogPath), line => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) [FP] ", line));
    }

    [Fact]
    public async Task Log_SplitsLinesLongerThan16KiB()
    {
        var config = _h.Config("c", "sh", "-c", "head -c 20000 /dev/zero | tr '\\0' a; echo");
        await _h.RunToExitAsync(_sandbox, config);

        Assert.Equal([(true, 16384), (false, 3616)], RuntimeHarness.Log(config).Select(r => (r.Partial, r.Content.Length)));
    }

    [Fact]
    public async Task Log_CanBeOpenedAsDevStdout()
    {
        var config = _h.Config("c", "sh", "-c", "echo via-dev-stdout > /dev/stdout; echo via-dev-stderr > /dev/stderr");
        var status = await _h.RunToExitAsync(_sandbox, config);

        Assert.Equal(0, status.ExitCode);
        Assert.Equal(["via-dev-stderr", "via-dev-stdout"], RuntimeHarness.Log(config).Select(r => r.Content).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Log_OfEachInstanceIsKept()
    {
        var first = _h.Config("c", "echo", "first");
        var second = _h.Config("c", "echo", "second") with { RestartCount = 1, LogPath = first.LogPath.Replace("0.log", "1.log", StringComparison.Ordinal) };
        await _h.RunToExitAsync(_sandbox, first);
        await _h.RunToExitAsync(_sandbox, second);

        Assert.Equal("first\n", RuntimeHarness.Output(first));
        Assert.Equal("second\n", RuntimeHarness.Output(second));
    }

    [RootFact]
    public async Task CL_12_TerminationMessage_FromFile()
    {
        var status = await _h.RunToExitAsync(_sandbox, _h.Config("c", "sh", "-c", "printf boom > /dev/termination-log; exit 3"));

        Assert.Equal((3, ContainerReasons.Error, "boom"), (status.ExitCode, status.Reason, status.Message));
    }

    [RootFact]
    public async Task CL_12_TerminationMessage_CustomPath_CappedAt4096Bytes()
    {
        var path = Path.Combine(_h.Scratch, "message");
        var config = _h.Config("c", "sh", "-c", $"head -c 5000 /dev/zero | tr '\\0' m > {path}") with { TerminationMessagePath = path };
        var status = await _h.RunToExitAsync(_sandbox, config);

        Assert.Equal(new string('m', 4096), status.Message);
        Assert.Equal(0, new FileInfo(path).Length); // the host path is only the mount point of the per-instance file
    }

    [Fact]
    public async Task CL_12_FallbackToLogsOnError_LastEightyLinesCappedAt2048Bytes()
    {
        var config = _h.Config("c", "sh", "-c", "i=1; while [ $i -le 100 ]; do echo \"line $i\"; i=$((i+1)); done; exit 1") with
        {
            TerminationMessagePolicy = "FallbackToLogsOnError",
        };
        var status = await _h.RunToExitAsync(_sandbox, config);

        var expected = string.Concat(Enumerable.Range(21, 80).Select(i => $"line {i}\n"));
        Assert.Equal(expected, status.Message);

        var longConfig = _h.Config("d", "sh", "-c", "i=1; while [ $i -le 100 ]; do echo \"a somewhat longer log line number $i\"; i=$((i+1)); done; exit 2") with
        {
            TerminationMessagePolicy = "FallbackToLogsOnError",
        };
        var longStatus = await _h.RunToExitAsync(_sandbox, longConfig);
        Assert.Equal(2048, longStatus.Message!.Length);
        Assert.EndsWith("line number 100\n", longStatus.Message);
    }

    [Theory]
    [InlineData("File", 1)]
    [InlineData("FallbackToLogsOnError", 0)]
    public async Task CL_12_NoLogFallback_WithFilePolicyOrSuccess(string policy, int exitCode)
    {
        var config = _h.Config("c", "sh", "-c", $"echo output; exit {exitCode}") with { TerminationMessagePolicy = policy };
        var status = await _h.RunToExitAsync(_sandbox, config);
        Assert.Null(status.Message);
    }
}
