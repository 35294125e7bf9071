using k8s.Models;
using Podvisor.Core.Model;
using Podvisor.Runtime.Cri.Tests.Harness;

namespace Podvisor.Runtime.Cri.Tests;

/// <summary>The CRI runtime against the private containerd: images, sandbox reuse, resources, exits, adoption.</summary>
[Collection(ContainerdCollection.Name)]
public sealed class CriRuntimeTests(ContainerdFixture containerd)
{
    [CriFact]
    public async Task AContainerWithOnlyArgsRunsTheImageEntrypointAndItsLogIsWrittenWhereTheAgentChose()
    {
        await using var pod = await CriTestPod.StartAsync(containerd);
        await pod.SandboxAsync();
        var config = pod.Config("app", args: ["echo replaced cmd; exit 3"]);

        var status = await pod.ExitedAsync(await pod.StartAsync(config));

        Assert.Equal(3, status.ExitCode);
        Assert.Equal("Error", status.Reason);
        Assert.Equal("hash-app", status.Hash);
        var line = Assert.Single(File.ReadAllLines(config.LogPath));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT[^ ]+ stdout F replaced cmd$", line);
    }

    [CriFact]
    public async Task AContainerWithoutCommandOrArgsRunsTheImageEntrypointAndCmd()
    {
        await using var pod = await CriTestPod.StartAsync(containerd);
        await pod.SandboxAsync();

        var id = await pod.StartAsync(pod.Config("app"));
        await pod.WaitForAsync(id, ContainerEventType.Started);
        var pid1 = await pod.Runtime.ExecSyncAsync(id, ["cat", "/proc/1/cmdline"], TimeSpan.FromSeconds(10), pod.Deadline);

        Assert.Equal(RuntimeContainerState.Running, pod.Container(id).State);
        Assert.Equal(0, pid1.ExitCode);
        Assert.Equal("sleep\u00003600\u0000", pid1.Output); // the image CMD's `exec sleep 3600`
    }

    [CriFact]
    public async Task RestartAllReplacesEveryContainerInTheSameSandboxWithTheSamePodIPAndEmptyDirContent()
    {
        await using var pod = await CriTestPod.StartAsync(containerd);
        var sandboxId = await pod.SandboxAsync();
        var ip = pod.Status.PodIp;
        var mount = new Mount(pod.VolumeDirectory("scratch"), "/scratch");
        var first = new[] { "a", "b" }.Select(n => pod.Config(n, command: ["sleep", "3600"]) with { Mounts = [mount] }).ToList();
        var ids = new List<string>();
        foreach (var config in first)
        {
            ids.Add(await pod.StartAsync(config));
        }

        await pod.Runtime.ExecSyncAsync(ids[0], ["sh", "-c", "echo kept > /scratch/file"], TimeSpan.FromSeconds(10), pod.Deadline);
        foreach (var id in ids)
        {
            await pod.Runtime.StopContainerAsync(id, TimeSpan.Zero, pod.Deadline);
            await pod.Runtime.RemoveContainerAsync(id, pod.Deadline);
        }

        var second = await pod.StartAsync(pod.Config("a", command: ["cat", "/scratch/file"], restartCount: 1) with { Mounts = [mount] });
        var exited = await pod.ExitedAsync(second);

        Assert.Equal(0, exited.ExitCode);
        Assert.Contains("stdout F kept", File.ReadAllText(pod.LogPath("a", 1)));
        Assert.Equal(1, exited.RestartCount);
        var sandbox = Assert.Single(pod.Status.Sandboxes);
        Assert.Equal(sandboxId, sandbox.Id);
        Assert.True(sandbox.Ready);
        Assert.StartsWith("10.235.0.", ip);
        Assert.Equal(ip, pod.Status.PodIp);
        Assert.Equal([second], pod.Status.Containers.Select(c => c.Id));
    }

    [CriFact]
    public async Task AContainerOverItsMemoryLimitIsOOMKilledWithExitCode137()
    {
        await using var pod = await CriTestPod.StartAsync(containerd);
        await pod.SandboxAsync();
        var config = pod.Config("hog", command: ["dd", "if=/dev/zero", "of=/dev/null", "bs=256M", "count=1"])
            with { Resources = new ContainerResources { MemoryLimitBytes = 32 * 1024 * 1024 } };

        var status = await pod.ExitedAsync(await pod.StartAsync(config));

        Assert.Equal(137, status.ExitCode);
        Assert.Equal("OOMKilled", status.Reason);
    }

    [CriFact]
    public async Task AMissingImageFailsToPullWithTheRegistryAnswerAndHasNoStatus()
    {
        await using var pod = await CriTestPod.StartAsync(containerd);
        var missing = containerd.Image("missing:1");

        var error = await Assert.ThrowsAsync<ImagePullException>(async () => await pod.Runtime.Images.PullImageAsync(missing, pod.Deadline));

        Assert.Contains("not found", error.Message);
        Assert.Null(await pod.Runtime.Images.ImageStatusAsync(missing, pod.Deadline));
        var reference = await pod.Runtime.Images.PullImageAsync(containerd.Image(TestImages.Busybox), pod.Deadline);
        var present = await pod.Runtime.Images.ImageStatusAsync(containerd.Image(TestImages.Busybox), pod.Deadline);
        Assert.Equal(reference, present!.Id);
        Assert.Contains(containerd.Image(TestImages.Busybox), present.RepoTags);
    }

    [CriFact]
    public async Task CreatingAContainerOfAnImageTheNodeLacksFailsWithoutPullingAndLeavesNoStatus()
    {
        await using var pod = await CriTestPod.StartAsync(containerd);
        await pod.SandboxAsync();

        var error = await Assert.ThrowsAsync<ContainerStartException>(async () =>
            await pod.Runtime.CreateContainerAsync(pod.SandboxId!, pod.Config("app") with { Image = containerd.Image("missing:2") }, pod.Deadline));

        Assert.Contains("not found", error.Message);
        Assert.Null(await pod.Runtime.Images.ImageStatusAsync(containerd.Image("missing:2"), pod.Deadline));
        Assert.Empty(pod.Status.Containers);
    }

    [CriFact]
    public async Task AReopenedRuntimeAdoptsRunningContainersUnchangedAndReportsAnExitThatHappenedMeanwhile()
    {
        await using var pod = await CriTestPod.StartAsync(containerd);
        var sandboxId = await pod.SandboxAsync();
        var running = await pod.StartAsync(pod.Config("running", command: ["sleep", "3600"], restartCount: 2));
        var killed = await pod.StartAsync(pod.Config("killed", command: ["sleep", "3600"]));
        await pod.WaitForAsync(running, ContainerEventType.Started);
        var before = pod.Container(running);

        await pod.ReopenAsync(async () =>
        {
            // Killed while no agent watches: the new runtime must find it exited with the kernel's code.
            using var connection = CriConnection.Open(containerd.Endpoint);
            await connection.Runtime.StopContainerAsync(new V1.StopContainerRequest { ContainerId = killed, Timeout = 0 }, cancellationToken: pod.Deadline);
        });

        Assert.Equal(sandboxId, Assert.Single(pod.Status.Sandboxes).Id);
        Assert.Equal(before, pod.Container(running));
        Assert.Equal(2, pod.Container(running).RestartCount);
        Assert.Equal((RuntimeContainerState.Exited, 137), (pod.Container(killed).State, pod.Container(killed).ExitCode));

        await pod.Runtime.StopContainerAsync(running, TimeSpan.Zero, pod.Deadline);
        Assert.Equal(137, (await pod.ExitedAsync(running)).ExitCode);
    }

    [CriFact]
    public async Task AnExitIsAnEventFromTheRuntimeNotFromTheAgentSOwnCalls()
    {
        await using var pod = await CriTestPod.StartAsync(containerd);
        await pod.SandboxAsync();
        var id = await pod.StartAsync(pod.Config("app", command: ["sh", "-c", "trap 'exit 7' TERM; sleep 3600 & wait"]));
        await pod.WaitForAsync(id, ContainerEventType.Started);

        // It exits on its own (its TERM trap, sent from inside): no Stop call from this runtime to learn it from.
        await pod.Runtime.ExecSyncAsync(id, ["kill", "-TERM", "1"], TimeSpan.FromSeconds(10), pod.Deadline);
        var status = await pod.ExitedAsync(id);

        Assert.Equal(7, status.ExitCode);
        Assert.NotEqual("relist", pod.Runtime.EventSource);
    }
}
