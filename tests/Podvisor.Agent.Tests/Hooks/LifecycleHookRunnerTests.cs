using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Podvisor.Agent.Hooks;
using Podvisor.Agent.Tests.Probes;
using Podvisor.Runtime;

namespace Podvisor.Agent.Tests.Hooks;

/// <summary>postStart/preStop handlers (exec, httpGet, sleep) with upstream failure texts, and preStop bounded by grace.</summary>
public sealed class LifecycleHookRunnerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly CancellationToken None = CancellationToken.None;
    private const string Subject = "for Container \"c\" in Pod \"p_ns(uid-1)\" failed - error:";

    private static V1LifecycleHandler Exec(params string[] command) => new() { Exec = new V1ExecAction { Command = command } };

    private static V1LifecycleHandler Http(int port, string path = "/stop") =>
        new() { HttpGet = new V1HTTPGetAction { Port = port.ToString(System.Globalization.CultureInfo.InvariantCulture), Path = path } };

    private static V1LifecycleHandler Sleep(long seconds) => new() { Sleep = new V1SleepAction { Seconds = seconds } };

    private static FakeExecRuntime Runtime(int exitCode = 0, string output = "") =>
        new((_, _) => Task.FromResult(new ExecResult(exitCode, output, false)));

    [Fact]
    public async Task Exec_ExitZero_Succeeds_WithoutTimeout()
    {
        var runtime = Runtime();
        var result = await new LifecycleHookRunner(runtime).RunAsync(Specs.Pod(), Specs.Container(), "cid", "127.0.0.1", Exec("touch", "/ready"), None);

        Assert.Equal(HookResult.Success, result);
        Assert.Equal(("cid", Timeout.InfiniteTimeSpan), (runtime.Execs[0].ContainerId, runtime.Execs[0].Timeout));
        Assert.Equal(["touch", "/ready"], runtime.Execs[0].Argv);
    }

    [Theory]
    [InlineData(1, "", $"Exec lifecycle hook ([sh -c exit 1]) {Subject} command 'sh -c exit 1' exited with 1: , message: \"\"")]
    [InlineData(2, "oops\n", $"Exec lifecycle hook ([sh -c exit 1]) {Subject} command 'sh -c exit 1' exited with 2: , message: \"oops\\n\"")]
    public async Task Exec_NonZeroExit_FailsWithUpstreamMessage(int exitCode, string output, string message)
    {
        var result = await new LifecycleHookRunner(Runtime(exitCode, output)).RunAsync(Specs.Pod(), Specs.Container(), "cid", null, Exec("sh", "-c", "exit 1"), None);

        Assert.Equal(HookResult.Failed(message), result);
    }

    [Fact]
    public async Task Exec_RuntimeError_FailsWithItsMessage()
    {
        var runtime = new FakeExecRuntime((_, _) => throw new InvalidOperationException("container not running"));
        var result = await new LifecycleHookRunner(runtime).RunAsync(Specs.Pod(), Specs.Container(), "cid", null, Exec("x"), None);

        Assert.Equal(HookResult.Failed($"Exec lifecycle hook ([x]) {Subject} container not running, message: \"\""), result);
    }

    [Fact]
    public async Task HttpGet_AnyResponseSucceeds_SendsLifecycleUserAgent_FollowsRedirects()
    {
        await using var server = new TinyHttpServer(path => path == "/stop"
            ? TinyHttpServer.Response(302, "", "Location: /really\r\n")
            : TinyHttpServer.Response(500, "nope"));
        var result = await new LifecycleHookRunner(Runtime()).RunAsync(Specs.Pod(), Specs.Container(), "cid", "127.0.0.1", Http(server.Port), None);

        Assert.Equal(HookResult.Success, result);
        Assert.Equal(2, server.Requests.Count);
        Assert.All(server.Requests, r => Assert.Contains("User-Agent: kube-lifecycle/1.36\r\n", r, StringComparison.Ordinal));
    }

    [Fact]
    public async Task HttpGet_ConnectionRefused_Fails()
    {
        var port = ClosedPort.Get();
        var result = await new LifecycleHookRunner(Runtime()).RunAsync(Specs.Pod(), Specs.Container(), "cid", "127.0.0.1", Http(port), None);

        Assert.Equal(HookResult.Failed($"HTTP lifecycle hook (/stop) {Subject} Get \"http://127.0.0.1:{port}/stop\": dial tcp 127.0.0.1:{port}: connect: connection refused"), result);
    }

    [Fact]
    public async Task HttpGet_WithoutPodIpOrHost_Fails()
    {
        var result = await new LifecycleHookRunner(Runtime()).RunAsync(Specs.Pod(), Specs.Container(), "cid", null, Http(80), None);

        Assert.Equal(HookResult.Failed($"HTTP lifecycle hook (/stop) {Subject} failed to find networking container: pod has no IP"), result);
    }

    [Fact]
    public async Task Sleep_WaitsOnTheClock_AndFailsWhenCutShort()
    {
        var time = new FakeTimeProvider();
        var runner = new LifecycleHookRunner(Runtime(), time);
        var slept = runner.RunAsync(Specs.Pod(), Specs.Container(), "cid", null, Sleep(5), None);
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(slept.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HookResult.Success, await slept.WaitAsync(Patience));

        using var cts = new CancellationTokenSource();
        var cut = runner.RunAsync(Specs.Pod(), Specs.Container(), "cid", null, Sleep(5), cts.Token);
        await cts.CancelAsync();
        Assert.Equal(HookResult.Failed($"Sleep lifecycle hook (5) {Subject} container terminated before sleep hook finished"), await cut.WaitAsync(Patience));
    }

    [Fact]
    public async Task UnsupportedHandler_Fails()
    {
        var handler = new V1LifecycleHandler { TcpSocket = new V1TCPSocketAction { Port = "80" } };
        var result = await new LifecycleHookRunner(Runtime()).RunAsync(Specs.Pod(), Specs.Container(), "cid", null, handler, None);

        Assert.Equal(HookResult.Failed("Cannot run handler: invalid handler: tcpSocket is not supported for lifecycle hooks"), result);
    }

    [Fact]
    public async Task CL_13_PreStopSleep4_WithGrace10_LeavesSixSecondsForSigterm()
    {
        var time = new FakeTimeProvider();
        var container = Specs.Container();
        container.Lifecycle = new V1Lifecycle { PreStop = Sleep(4) };
        var outcome = new LifecycleHookRunner(Runtime(), time).ExecutePreStopAsync(Specs.Pod(), container, "cid", null, 10, None);
        time.Advance(TimeSpan.FromSeconds(4));
        var done = await outcome.WaitAsync(Patience);

        Assert.Equal(new PreStopOutcome(TimeSpan.FromSeconds(4), HookResult.Success), done);
        Assert.Equal(TimeSpan.FromSeconds(6), GracePeriod.StopWindow(GracePeriod.AfterWait(10, done.Elapsed)));
    }

    [Fact]
    public async Task PreStopThatNeverReturns_IsCutAtTheGracePeriod_AndCancelled()
    {
        var time = new FakeTimeProvider();
        var hookToken = CancellationToken.None;
        var runtime = new FakeExecRuntime(async (_, ct) =>
        {
            hookToken = ct;
            await Task.Delay(Timeout.Infinite, ct);
            return new ExecResult(0, "", false);
        });
        var container = Specs.Container();
        container.Lifecycle = new V1Lifecycle { PreStop = Exec("sleep", "infinity") };
        var outcome = new LifecycleHookRunner(runtime, time).ExecutePreStopAsync(Specs.Pod(), container, "cid", null, 10, None);
        time.Advance(TimeSpan.FromSeconds(10));
        var done = await outcome.WaitAsync(Patience);

        Assert.Equal(new PreStopOutcome(TimeSpan.FromSeconds(10), null), done);
        Assert.True(hookToken.IsCancellationRequested);
        Assert.Equal(TimeSpan.FromSeconds(2), GracePeriod.StopWindow(GracePeriod.AfterWait(10, done.Elapsed)));
    }

    [Fact]
    public async Task FailingPreStop_ReportsItsResult_BeforeTheGraceEnds()
    {
        var container = Specs.Container();
        container.Lifecycle = new V1Lifecycle { PreStop = Exec("false") };
        var done = await new LifecycleHookRunner(Runtime(exitCode: 1), new FakeTimeProvider()).ExecutePreStopAsync(Specs.Pod(), container, "cid", null, 30, None).WaitAsync(Patience);

        Assert.False(done.Result!.Succeeded);
        Assert.Equal(TimeSpan.Zero, done.Elapsed);
    }
}
