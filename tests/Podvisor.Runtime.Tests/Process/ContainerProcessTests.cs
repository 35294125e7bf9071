using Podvisor.Core.Model;
using Podvisor.Runtime.Process;

namespace Podvisor.Runtime.Tests.Process;

/// <summary>Real processes: exit codes, signals, stop escalation, spawn attributes, start failures.</summary>
public sealed class ContainerProcessTests : IAsyncLifetime
{
    private RuntimeHarness _h = null!;
    private string _sandbox = null!;

    public async Task InitializeAsync()
    {
        _h = await RuntimeHarness.StartAsync();
        _sandbox = await _h.SandboxAsync(hostNetwork: true);
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Theory]
    [InlineData("exit 0", 0, "Completed")]
    [InlineData("exit 1", 1, "Error")]
    [InlineData("exit 42", 42, "Error")]
    [InlineData("kill -KILL $$", 137, "Error")]
    [InlineData("kill -USR1 $$", 138, "Error")]
    [InlineData("kill -TERM $$", 143, "Error")]
    public async Task ExitCodeAndReason_AsTheKernelReportsThem(string script, int exitCode, string reason)
    {
        var status = await _h.RunToExitAsync(_sandbox, _h.Config("c", "sh", "-c", script));

        Assert.Equal(RuntimeContainerState.Exited, status.State);
        Assert.Equal(exitCode, status.ExitCode);
        Assert.Equal(reason, status.Reason);
        Assert.NotNull(status.StartedAt);
        Assert.True(status.FinishedAt >= status.StartedAt);
    }

    [Fact]
    public async Task Events_StartedThenExited_InOrder()
    {
        var id = await _h.StartAsync(_sandbox, _h.Config("c", "true"));

        var started = await _h.Runtime.Events.ReadAsync(_h.Deadline);
        var exited = await _h.Runtime.Events.ReadAsync(_h.Deadline);

        Assert.Equal(new ContainerEvent(_h.PodUid, id, "c", ContainerEventType.Started), started);
        Assert.Equal(new ContainerEvent(_h.PodUid, id, "c", ContainerEventType.Exited), exited);
    }

    [Fact]
    public async Task Stop_SigtermIgnoringProcess_IsKilledAfterGrace()
    {
        var ready = _h.Fifo("ready");
        var id = await _h.StartAsync(_sandbox, _h.Config("stubborn", "sh", "-c", $"trap '' TERM; echo > {ready}; while :; do sleep 1; done"));
        await _h.ReadFifoAsync(ready);

        await _h.Runtime.StopContainerAsync(id, TimeSpan.FromMilliseconds(300), _h.Deadline);

        var status = _h.Status(id);
        Assert.Equal(RuntimeContainerState.Exited, status.State);
        Assert.Equal(137, status.ExitCode);
    }

    [Fact]
    public async Task Stop_CooperativeProcess_ExitsOnSigterm()
    {
        var ready = _h.Fifo("ready");
        var id = await _h.StartAsync(_sandbox, _h.Config("c", "sh", "-c", $"echo > {ready}; exec sleep 1000"));
        await _h.ReadFifoAsync(ready);

        await _h.Runtime.StopContainerAsync(id, TimeSpan.FromSeconds(30), _h.Deadline);

        Assert.Equal(143, _h.Status(id).ExitCode);
    }

    [Fact]
    public async Task Stop_UsesTheConfiguredStopSignal()
    {
        var ready = _h.Fifo("ready");
        var config = _h.Config("c", "sh", "-c", $"echo > {ready}; exec sleep 1000") with { StopSignal = "SIGUSR1" };
        var id = await _h.StartAsync(_sandbox, config);
        await _h.ReadFifoAsync(ready);

        await _h.Runtime.StopContainerAsync(id, TimeSpan.FromSeconds(30), _h.Deadline);

        Assert.Equal(128 + 10, _h.Status(id).ExitCode);
    }

    [Fact]
    public async Task D8_ThreeStubbornContainers_StopInParallel()
    {
        var ids = new List<string>();
        var configs = new List<ContainerConfig>();
        for (var i = 0; i < 3; i++)
        {
            var ready = _h.Fifo($"ready{i}");
            var config = _h.Config($"stubborn{i}", "sh", "-c", $"trap 'echo TERM' TERM; echo > {ready}; while :; do sleep 1 & wait; done");
            ids.Add(await _h.StartAsync(_sandbox, config));
            configs.Add(config);
            await _h.ReadFifoAsync(ready);
        }

        await Task.WhenAll(ids.Select(id => _h.Runtime.StopContainerAsync(id, TimeSpan.FromSeconds(2), _h.Deadline).AsTask()));

        var statuses = ids.Select(_h.Status).ToList();
        Assert.All(statuses, s => Assert.Equal(137, s.ExitCode));
        // Every container handled its SIGTERM before the first one was SIGKILLed: the grace periods overlapped.
        var lastTerm = configs.Select(c => RuntimeHarness.Log(c).Single(e => e.Content == "TERM").Time).Max();
        var firstKill = statuses.Min(s => s.FinishedAt!.Value);
        Assert.True(lastTerm < firstKill, $"last SIGTERM handled at {lastTerm:O}, first exit at {firstKill:O}");
    }

    [Fact]
    public async Task Stop_NotRunningContainer_IsANoOp()
    {
        var status = await _h.RunToExitAsync(_sandbox, _h.Config("c", "true"));
        await _h.Runtime.StopContainerAsync(status.Id, TimeSpan.FromSeconds(1), _h.Deadline);
        Assert.Equal(0, _h.Status(status.Id).ExitCode);
    }

    [Fact]
    public async Task Child_HasDefaultSignalDispositionsAndEmptyMask()
    {
        var config = _h.Config("c", "sh", "-c", "grep -E '^Sig(Ign|Blk)' /proc/self/status; yes | head -1");
        var status = await _h.RunToExitAsync(_sandbox, config);

        Assert.Equal(0, status.ExitCode);
        var output = RuntimeHarness.Output(config);
        Assert.Contains("SigBlk:\t0000000000000000\n", output);
        Assert.Contains("SigIgn:\t0000000000000000\n", output);
        Assert.DoesNotContain("Broken pipe", output); // yes died of SIGPIPE instead of reporting EPIPE
    }

    [Fact]
    public async Task Env_IsTheRuntimeDefaultsThenTheSpec_LaterEntriesWin()
    {
        var config = _h.Config("c", "env") with { Env = [new("A", "1"), new("PATH", RuntimeHarness.TestPath), new("A", "2"), new("B", "x y")] };
        await _h.RunToExitAsync(_sandbox, config);

        var lines = RuntimeHarness.Log(config).Select(e => e.Content).ToList();
        var home = Passwd.Find(Native.Euid)?.Home ?? "/";
        Assert.Equal([$"PATH={RuntimeHarness.TestPath}", $"HOSTNAME={RuntimeHarness.Hostname}", "A=2", "B=x y", $"HOME={home}"], lines);
    }

    [Fact]
    public async Task Env_Defaults_PathAndHome_ForAUserWithoutAnEntry_AndKeepASpecHome()
    {
        var defaults = _h.Config("c", "/usr/bin/env") with { Env = [], RunAsUser = Native.IsRoot ? 54321 : Native.Euid };
        var home = _h.Config("h", "/usr/bin/env") with { Env = [new("HOME", "/data")] };
        await _h.RunToExitAsync(_sandbox, defaults);
        await _h.RunToExitAsync(_sandbox, home);

        var lines = RuntimeHarness.Log(defaults).Select(e => e.Content).ToList();
        Assert.Equal("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", lines[0]);
        Assert.Equal(Native.IsRoot ? "HOME=/" : $"HOME={Passwd.Find(Native.Euid)?.Home ?? "/"}", lines[^1]);
        Assert.Equal(["HOME=/data"], RuntimeHarness.Log(home).Select(e => e.Content).Where(l => l.StartsWith("HOME=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task WorkingDir_IsHonoured()
    {
        var dir = _h.Scratch;
        var config = _h.Config("c", "pwd") with { WorkingDir = dir };
        await _h.RunToExitAsync(_sandbox, config);
        Assert.Equal(dir, RuntimeHarness.Log(config).Single().Content);
    }

    [Fact]
    public async Task PathLookup_UsesTheContainersPath()
    {
        var bin = Directory.CreateDirectory(Path.Combine(_h.Scratch, "bin")).FullName;
        File.WriteAllText(Path.Combine(bin, "hello-podvisor"), "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(Path.Combine(bin, "hello-podvisor"), (UnixFileMode)0b111_101_101);
        var config = _h.Config("c", "hello-podvisor") with { Env = [new("PATH", bin + ":/usr/bin:/bin")] };

        var status = await _h.RunToExitAsync(_sandbox, config);

        Assert.Equal(0, status.ExitCode);
        Assert.Equal("hi", RuntimeHarness.Log(config).Single().Content);
    }

    [Fact]
    public async Task Process_IsLeaderOfItsOwnSessionAndGroup()
    {
        var config = _h.Config("c", "sh", "-c", "cat /proc/$$/stat");
        await _h.RunToExitAsync(_sandbox, config);

        var stat = RuntimeHarness.Log(config).Single().Content;
        var pid = stat[..stat.IndexOf(' ')];
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        Assert.Equal(pid, fields[2]); // pgrp
        Assert.Equal(pid, fields[3]); // session
    }

    [RootFact]
    public async Task RunAsUserAndGroup_AreApplied()
    {
        var config = _h.Config("c", "sh", "-c", "id -u; id -g; id -G; grep CapEff /proc/self/status") with { RunAsUser = 1234, RunAsGroup = 2345 };
        var status = await _h.RunToExitAsync(_sandbox, config);

        Assert.Equal(0, status.ExitCode);
        Assert.Equal(["1234", "2345", "2345", "CapEff:\t0000000000000000"], RuntimeHarness.Log(config).Select(e => e.Content));
    }

    [RootFact]
    public async Task RunAsUser_DoesNotLeakIntoLaterContainers()
    {
        await _h.RunToExitAsync(_sandbox, _h.Config("c", "true") with { RunAsUser = 1234 });
        var config = _h.Config("d", "id", "-u");
        await _h.RunToExitAsync(_sandbox, config);
        Assert.Equal("0", RuntimeHarness.Log(config).Single().Content);
    }

    [Theory]
    [InlineData("no-such-binary-xyz", null, "exec: \"no-such-binary-xyz\": executable file not found in $PATH")]
    [InlineData("/etc/passwd", null, "exec: \"/etc/passwd\": permission denied")]
    [InlineData("/no/such/file", null, "exec: \"/no/such/file\": stat /no/such/file: no such file or directory")]
    [InlineData("true", "/no/such/dir", "chdir to cwd (\"/no/such/dir\") set in config.json failed: no such file or directory")]
    public async Task StartFailure_ThrowsAndReportsStartError(string binary, string? workingDir, string message)
    {
        var id = await _h.Runtime.CreateContainerAsync(_sandbox, _h.Config("c", binary) with { WorkingDir = workingDir }, _h.Deadline);

        var error = await Assert.ThrowsAsync<ContainerStartException>(() => _h.Runtime.StartContainerAsync(id, _h.Deadline).AsTask());

        Assert.Equal(message, error.Message);
        var status = await _h.ExitedAsync(id);
        Assert.Equal(RuntimeContainerState.Exited, status.State);
        Assert.Equal(ProcessRuntime.StartErrorExitCode, status.ExitCode);
        Assert.Equal(ProcessRuntime.StartErrorReason, status.Reason);
        Assert.Equal(message, status.Message);
    }

    [Fact]
    public async Task PodStatus_ListsInstancesNewestFirst_AndRemoveForgetsButKeepsTheLog()
    {
        var first = _h.Config("c", "echo", "one");
        var second = _h.Config("c", "echo", "two") with { RestartCount = 1, LogPath = first.LogPath.Replace("0.log", "1.log", StringComparison.Ordinal) };
        var a = (await _h.RunToExitAsync(_sandbox, first)).Id;
        var b = (await _h.RunToExitAsync(_sandbox, second)).Id;

        var pod = _h.Runtime.GetPodStatus(_h.PodUid);
        Assert.Equal([b, a], pod.Containers.Select(c => c.Id));
        Assert.Equal(1, pod.FindContainerStatusByName("c")!.RestartCount);

        await _h.Runtime.RemoveContainerAsync(a, _h.Deadline);
        Assert.Equal([b], _h.Runtime.GetPodStatus(_h.PodUid).Containers.Select(c => c.Id));
        Assert.Equal("one", RuntimeHarness.Log(first).Single().Content);
    }

    [Fact]
    public async Task RemoveContainer_KillsARunningInstance()
    {
        var ready = _h.Fifo("ready");
        var id = await _h.StartAsync(_sandbox, _h.Config("c", "sh", "-c", $"echo > {ready}; exec sleep 1000"));
        await _h.ReadFifoAsync(ready);

        await _h.Runtime.RemoveContainerAsync(id, _h.Deadline);

        Assert.Empty(_h.Runtime.GetPodStatus(_h.PodUid).Containers);
    }
}
