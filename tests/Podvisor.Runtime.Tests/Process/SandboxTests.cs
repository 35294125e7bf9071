using Podvisor.Core.Model;
using Podvisor.Runtime.Process;

namespace Podvisor.Runtime.Tests.Process;

/// <summary>
/// Pod sandboxes: network namespace and IP, host-path mounts, exec, recovery (docs/lifecycle.md §D13). Volume set-up
/// is the agent's (tests/Podvisor.Agent.Tests/Volumes).
/// </summary>
public sealed class SandboxTests : IAsyncLifetime
{
    private RuntimeHarness _h = null!;

    public async Task InitializeAsync() => _h = await RuntimeHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [RootFact]
    public async Task D13_PodHasItsOwnIp_KeptAcrossContainerRestarts_RemovedOnStop()
    {
        var sandboxId = await _h.SandboxAsync();
        var sandbox = _h.Runtime.GetPodStatus(_h.PodUid).Sandboxes.Single();
        Assert.True(sandbox.Ready);
        Assert.StartsWith("10.234.", sandbox.Ip);

        var first = _h.Config("c", "ip", "-4", "-o", "addr", "show");
        var second = _h.Config("c", "ip", "-4", "-o", "addr", "show") with { LogPath = first.LogPath + ".2" };
        await _h.RunToExitAsync(sandboxId, first);
        await _h.RunToExitAsync(sandboxId, second);

        foreach (var output in new[] { RuntimeHarness.Output(first), RuntimeHarness.Output(second) })
        {
            Assert.Contains($"eth0    inet {sandbox.Ip}/16", output);
            Assert.Contains("lo    inet 127.0.0.1/8", output);
            Assert.DoesNotContain("pvtest0", output);
        }

        await _h.Runtime.StopPodSandboxAsync(sandboxId, _h.Deadline);

        Assert.False(_h.Runtime.GetPodStatus(_h.PodUid).Sandboxes.Single().Ready);
        Assert.False(File.Exists("/run/netns/podvisor-" + sandboxId[..12]));
        Assert.False(Directory.Exists("/sys/class/net/pv" + sandboxId[..12]));
    }

    /// <summary>
    /// The record is on disk before the IP is claimed; an agent killed before the claim reached the record (written
    /// behind) leaves a record without an IP, whose removal frees the claim that names the sandbox.
    /// </summary>
    [RootFact]
    public async Task ASandboxRecordedWithoutItsClaimedIPFreesTheClaimWhenRemoved()
    {
        var sandboxId = await _h.SandboxAsync();
        var claims = Path.Combine(RuntimeHarness.Options(_h.DataDir, null).IpamDir, "pvtest0");
        Assert.Contains(Directory.GetFiles(claims), f => File.ReadAllText(f) == sandboxId);
        await _h.ReopenAsync(); // writes everything queued
        var record = Path.Combine(_h.DataDir, "runtime", "sandboxes", sandboxId + ".json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(record))!.AsObject();
        json.Remove("Ip");
        File.WriteAllText(record, json.ToJsonString());
        await _h.ReopenAsync();

        await _h.Runtime.RemovePodSandboxAsync(sandboxId, _h.Deadline);

        Assert.DoesNotContain(Directory.GetFiles(claims), f => File.ReadAllText(f) == sandboxId);
        Assert.False(File.Exists("/run/netns/podvisor-" + sandboxId[..12]));
    }

    [RootFact]
    public async Task TwoPods_GetDifferentIps_RoutedOverTheirOwnInterface()
    {
        var a = await _h.SandboxAsync();
        await _h.SandboxAsync();
        var ips = _h.Runtime.GetPodStatus(_h.PodUid).Sandboxes.Select(s => s.Ip!).ToList(); // newest (b) first
        Assert.Equal(2, ips.Distinct().Count());

        var config = _h.Config("route", "ip", "route", "get", ips[0]);
        await _h.RunToExitAsync(a, config);
        Assert.Contains($"dev eth0 src {ips[1]}", RuntimeHarness.Output(config));
    }

    [RootFact]
    public async Task HostNetworkPod_SharesTheHostNetwork()
    {
        var sandboxId = await _h.SandboxAsync(hostNetwork: true);
        Assert.Null(_h.Runtime.GetPodStatus(_h.PodUid).Sandboxes.Single().Ip);

        var config = _h.Config("c", "cat", "/proc/self/net/dev");
        var before = InterfaceNames(File.ReadAllLines("/proc/self/net/dev"));
        await _h.RunToExitAsync(sandboxId, config);
        var after = InterfaceNames(File.ReadAllLines("/proc/self/net/dev"));
        var seen = InterfaceNames(RuntimeHarness.Output(config).Split('\n'));

        // Other tests add and remove veths meanwhile: the container sees the host's interfaces of that moment.
        Assert.Superset(before.Intersect(after).ToHashSet(), seen);
        Assert.Subset(before.Union(after).ToHashSet(), seen);
        Assert.Contains(seen, name => name != "lo");
    }

    /// <summary>What a container sees of its UTS namespace: hostname(1), the kernel's hostname, the namespace, $HOSTNAME.</summary>
    private static readonly string[] Identity = ["sh", "-c", "hostname; cat /proc/sys/kernel/hostname; readlink /proc/self/ns/uts; echo $HOSTNAME"];

    private static readonly string HostUts = new FileInfo("/proc/self/ns/uts").LinkTarget!;

    /// <summary>
    /// A sandbox's UTS namespace holds the pod's hostname for every container (one after the other, as across a
    /// RestartAllContainers cycle, so also while no process is in it) and for execs; the host's hostname is untouched.
    /// </summary>
    [RootFact]
    public async Task ContainersAndExecsOfAPodShareItsUTSNamespaceAndTheHostKeepsItsHostname()
    {
        var hostname = File.ReadAllText("/proc/sys/kernel/hostname");
        var sandboxId = await _h.SandboxAsync();
        var first = _h.Config("a", Identity);
        var second = _h.Config("b", Identity);
        await _h.RunToExitAsync(sandboxId, first);
        await _h.RunToExitAsync(sandboxId, second);
        var ready = _h.Fifo("ready");
        var running = await _h.StartAsync(sandboxId, _h.Config("c", "sh", "-c", $"echo > {ready}; exec sleep 1000"));
        await _h.ReadFifoAsync(ready);

        var exec = await _h.Runtime.ExecSyncAsync(running, Identity, TimeSpan.FromSeconds(10), _h.Deadline);

        var seen = RuntimeHarness.Output(first).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([RuntimeHarness.Hostname, RuntimeHarness.Hostname], seen[..2]);
        Assert.Equal(RuntimeHarness.Hostname, seen[3]);
        Assert.NotEqual(HostUts, seen[2]);
        Assert.Equal(RuntimeHarness.Output(first), RuntimeHarness.Output(second));
        Assert.Equal(RuntimeHarness.Output(first), exec.Output);
        Assert.Equal(hostname, File.ReadAllText("/proc/sys/kernel/hostname"));
        Assert.True(File.Exists("/run/utsns/podvisor-" + sandboxId[..12]));
    }

    /// <summary>hostNetwork implies the host's UTS namespace (the agent passes no hostname then; the runtime makes none either way).</summary>
    [RootFact]
    public async Task HostNetworkPod_KeepsTheHostsUtsNamespace()
    {
        var sandboxId = await _h.SandboxAsync(hostNetwork: true);
        var config = _h.Config("c", Identity);
        await _h.RunToExitAsync(sandboxId, config);

        var seen = RuntimeHarness.Output(config).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/hostname").Trim(), seen[1]);
        Assert.Equal(HostUts, seen[2]);
        Assert.False(File.Exists("/run/utsns/podvisor-" + sandboxId[..12]));
    }

    /// <summary>The pinned namespace outlives the agent: after a reopen the sandbox is Ready and a new container joins it.</summary>
    [RootFact]
    public async Task TheUTSNamespaceSurvivesAReopenAndGoesWithTheSandbox()
    {
        var sandboxId = await _h.SandboxAsync();
        var before = _h.Config("before", Identity);
        await _h.RunToExitAsync(sandboxId, before);

        await _h.ReopenAsync();
        var after = _h.Config("after", Identity);
        await _h.RunToExitAsync(sandboxId, after);
        await _h.Runtime.RemovePodSandboxAsync(sandboxId, _h.Deadline);

        Assert.Equal(RuntimeHarness.Output(before), RuntimeHarness.Output(after));
        var pin = "/run/utsns/podvisor-" + sandboxId[..12];
        Assert.False(File.Exists(pin));
        Assert.DoesNotContain(File.ReadLines("/proc/self/mountinfo"), line => line.Contains(pin, StringComparison.Ordinal));
    }

    /// <summary>A sandbox whose UTS pin is gone at recovery (as after a reboot) is not Ready, and its removal still succeeds.</summary>
    [RootFact]
    public async Task ASandboxThatLostItsUTSNamespaceIsNotReadyAfterAReopen()
    {
        var sandboxId = await _h.SandboxAsync();
        var pin = "/run/utsns/podvisor-" + sandboxId[..12];
        await _h.ReopenAsync(); // writes everything queued
        using (var umount = System.Diagnostics.Process.Start("umount", ["-l", pin]))
        {
            await umount.WaitForExitAsync(_h.Deadline);
            Assert.Equal(0, umount.ExitCode);
        }

        File.Delete(pin);
        await _h.ReopenAsync();

        Assert.False(_h.Runtime.GetPodStatus(_h.PodUid).Sandboxes.Single().Ready);
        await _h.Runtime.RemovePodSandboxAsync(sandboxId, _h.Deadline);
        Assert.Empty(_h.Runtime.GetPodStatus(_h.PodUid).Sandboxes);
        Assert.False(File.Exists("/run/netns/podvisor-" + sandboxId[..12]));
    }

    /// <summary>The interface names of a /proc/net/dev listing (two header lines, then "name: counters").</summary>
    private static HashSet<string> InterfaceNames(IEnumerable<string> netDev) =>
        netDev.Skip(2).Where(l => l.Contains(':')).Select(l => l[..l.IndexOf(':')].Trim()).ToHashSet();

    [RootFact]
    public async Task HostPathMount_VisibleAtMountPath_SurvivesRestarts_ReadOnlyHonoured()
    {
        var sandboxId = await _h.SandboxAsync();
        var volume = _h.VolumeDirectory("data");
        var mountPath = Path.Combine(_h.Scratch, "mnt");
        var mount = new Mount(volume, mountPath);

        var write = await _h.RunToExitAsync(sandboxId, _h.Config("w", "sh", "-c", $"echo kept > {mountPath}/flag") with { Mounts = [mount] });
        var readConfig = _h.Config("r", "cat", $"{mountPath}/flag") with { Mounts = [mount] };
        var read = await _h.RunToExitAsync(sandboxId, readConfig);
        var readOnly = new Mount(volume, mountPath, ReadOnly: true);
        var denied = await _h.RunToExitAsync(sandboxId, _h.Config("ro", "sh", "-c", $"echo x > {mountPath}/other") with { Mounts = [readOnly] });

        Assert.Equal(0, write.ExitCode);
        Assert.Equal((0, "kept\n"), (read.ExitCode, RuntimeHarness.Output(readConfig)));
        Assert.NotEqual(0, denied.ExitCode);
        Assert.False(File.Exists(Path.Combine(mountPath, "flag"))); // the host sees only the (empty) mount point
        Assert.Equal("kept\n", File.ReadAllText(Path.Combine(volume, "flag")));
    }

    [RootFact]
    public async Task FileMount_IsBoundAsAFile_AndRemovingTheLastSandboxKeepsHostPaths()
    {
        var sandboxId = await _h.SandboxAsync();
        var file = Path.Combine(_h.Scratch, "config.txt");
        File.WriteAllText(file, "value\n");
        var config = _h.Config("c", "cat", "/etc/app.conf") with { Mounts = [new Mount(file, "/etc/app.conf", ReadOnly: true)] };
        await _h.RunToExitAsync(sandboxId, config);
        Assert.Equal("value\n", RuntimeHarness.Output(config));

        await _h.Runtime.RemovePodSandboxAsync(sandboxId, _h.Deadline);

        Assert.True(File.Exists(file));
        Assert.False(Directory.Exists(Path.Combine(_h.DataDir, "pods", _h.PodUid, "containers")));
        Assert.Empty(_h.Runtime.GetPodStatus(_h.PodUid).Sandboxes);
    }

    [RootFact]
    public async Task Exec_RunsInTheContainersNamespacesWithItsEnvAndUser()
    {
        var sandboxId = await _h.SandboxAsync();
        var ready = _h.Fifo("ready");
        var config = _h.Config("c", "sh", "-c", $"echo hello > /data/greeting; echo > {ready}; exec sleep 1000") with
        {
            Mounts = [new Mount(_h.VolumeDirectory("data"), "/data")],
            Env = [new("PATH", RuntimeHarness.TestPath), new("GREETING_FILE", "greeting")],
            WorkingDir = "/data",
            RunAsUser = 1234,
        };
        var id = await _h.StartAsync(sandboxId, config);
        await _h.ReadFifoAsync(ready);
        var ip = _h.Runtime.GetPodStatus(_h.PodUid).PodIp;

        var result = await _h.Runtime.ExecSyncAsync(id, ["sh", "-c", "cat $GREETING_FILE; id -u; ip -4 -o addr show eth0; echo oops >&2; exit 7"], TimeSpan.FromSeconds(10), _h.Deadline);

        Assert.Equal(7, result.ExitCode);
        Assert.False(result.TimedOut);
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("hello", lines[0]);
        Assert.Equal("1234", lines[1]);
        Assert.Contains($"inet {ip}/16", lines[2]);
        Assert.Equal("oops", lines[3]);
    }

    [Fact]
    public async Task Exec_TimesOut_CapsOutput_AndFailsOnAStoppedContainer()
    {
        var sandboxId = await _h.SandboxAsync(hostNetwork: true);
        var ready = _h.Fifo("ready");
        var id = await _h.StartAsync(sandboxId, _h.Config("c", "sh", "-c", $"echo > {ready}; exec sleep 1000"));
        await _h.ReadFifoAsync(ready);

        var slow = await _h.Runtime.ExecSyncAsync(id, ["sleep", "100"], TimeSpan.FromMilliseconds(200), _h.Deadline);
        var big = await _h.Runtime.ExecSyncAsync(id, ["head", "-c", "50000", "/dev/zero"], TimeSpan.Zero, _h.Deadline);
        var missing = await Assert.ThrowsAsync<ContainerStartException>(() => _h.Runtime.ExecSyncAsync(id, ["no-such-probe"], TimeSpan.Zero, _h.Deadline).AsTask());
        await _h.Runtime.StopContainerAsync(id, TimeSpan.Zero, _h.Deadline);
        await Assert.ThrowsAsync<ContainerStartException>(() => _h.Runtime.ExecSyncAsync(id, ["true"], TimeSpan.Zero, _h.Deadline).AsTask());

        Assert.True(slow.TimedOut);
        Assert.Equal(137, slow.ExitCode);
        Assert.Equal((0, 10 * 1024), (big.ExitCode, big.Output.Length));
        Assert.Equal("exec: \"no-such-probe\": executable file not found in $PATH", missing.Message);
    }

    [Fact]
    public async Task Recovery_KeepsSandboxes_KillsRunningContainers_KeepsExitedOnes()
    {
        var sandboxId = await _h.SandboxAsync();
        var before = _h.Runtime.GetPodStatus(_h.PodUid).Sandboxes.Single();
        var done = await _h.RunToExitAsync(sandboxId, _h.Config("done", "sh", "-c", "exit 3"));
        var pidFifo = _h.Fifo("pid");
        var running = await _h.StartAsync(sandboxId, _h.Config("running", "sh", "-c", $"echo $$ > {pidFifo}; exec sleep 1000"));
        var pid = int.Parse((await _h.ReadFifoAsync(pidFifo)).Trim());

        await _h.ReopenAsync();

        await _h.WaitForProcessExitAsync(pid);
        var pod = _h.Runtime.GetPodStatus(_h.PodUid);
        var after = pod.Sandboxes.Single();
        Assert.Equal((before.Id, true, before.Ip), (after.Id, after.Ready, after.Ip));
        Assert.Equal([running, done.Id], pod.Containers.Select(c => c.Id));
        Assert.Equal((RuntimeContainerState.Exited, 137, "ContainerStatusUnknown", LostContainer.WhenTerminatedMessage),
            (pod.Containers[0].State, pod.Containers[0].ExitCode, pod.Containers[0].Reason, pod.Containers[0].Message));
        Assert.Equal((RuntimeContainerState.Exited, 3, "Error"), (pod.Containers[1].State, pod.Containers[1].ExitCode, pod.Containers[1].Reason));

        // The recovered sandbox still runs containers, in the same network.
        var config = _h.Config("again", "sh", "-c", "hostname -I 2>/dev/null || ip -4 -o addr show");
        var again = await _h.RunToExitAsync(sandboxId, config);
        Assert.Equal(0, again.ExitCode);
        if (after.Ip is not null)
        {
            Assert.Contains(after.Ip, RuntimeHarness.Output(config));
        }
    }

    [Fact]
    public async Task StartInAStoppedSandbox_IsAStartError()
    {
        var sandboxId = await _h.SandboxAsync();
        await _h.Runtime.StopPodSandboxAsync(sandboxId, _h.Deadline);
        var id = await _h.Runtime.CreateContainerAsync(sandboxId, _h.Config("c", "true"), _h.Deadline);

        var error = await Assert.ThrowsAsync<ContainerStartException>(() => _h.Runtime.StartContainerAsync(id, _h.Deadline).AsTask());

        Assert.Equal($"sandbox \"{sandboxId}\" is not ready", error.Message);
        Assert.Equal(RuntimeContainerState.Exited, _h.Status(id).State);
    }

    [Fact]
    public async Task Unprivileged_UsesHostNetwork_AndSymlinksMountPaths()
    {
        await using var h = await RuntimeHarness.StartAsync(privileged: false);
        var sandboxId = await h.SandboxAsync();
        Assert.Null(h.Runtime.GetPodStatus(h.PodUid).Sandboxes.Single().Ip);
        var mountPath = Path.Combine(h.Scratch, "mnt", "data");
        var mount = new Mount(h.VolumeDirectory("data"), mountPath);

        await h.RunToExitAsync(sandboxId, h.Config("w", "sh", "-c", $"echo kept > {mountPath}/flag") with { Mounts = [mount] });
        var read = h.Config("r", "cat", $"{mountPath}/flag") with { Mounts = [mount] };
        await h.RunToExitAsync(sandboxId, read);

        Assert.Equal("kept\n", RuntimeHarness.Output(read));
        Assert.NotNull(new FileInfo(mountPath).LinkTarget);
        await h.Runtime.RemovePodSandboxAsync(sandboxId, h.Deadline);
        Assert.Null(new FileInfo(mountPath).LinkTarget);
    }
}
