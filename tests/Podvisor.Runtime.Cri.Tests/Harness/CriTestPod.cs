using k8s.Models;
using Podvisor.Agent.Logs;
using Podvisor.Core.Model;
using Podvisor.Runtime.Contract;

namespace Podvisor.Runtime.Cri.Tests.Harness;

/// <summary>
/// One test pod on the shared containerd: a <see cref="CriRuntime"/> (reopenable, as an agent restart), its sandbox,
/// container configs from the test images, and waits on the runtime's events under one overall deadline.
/// Disposal stops and removes the pod's sandbox.
/// </summary>
internal sealed class CriTestPod : IAsyncDisposable
{
    private readonly ContainerdFixture _containerd;
    private readonly CancellationTokenSource _deadline = new(ContainerdFixture.Timeout);
    private EventLog _events;

    private CriTestPod(ContainerdFixture containerd, CriRuntime runtime)
    {
        _containerd = containerd;
        Runtime = runtime;
        _events = new EventLog(runtime.Events);
    }

    public CriRuntime Runtime { get; private set; }
    public string Uid { get; } = Guid.NewGuid().ToString();
    public string Name => "pod-" + Uid[..8];
    public CancellationToken Deadline => _deadline.Token;
    public string? SandboxId { get; private set; }
    public RuntimePodStatus Status => Runtime.GetPodStatus(Uid);

    /// <summary>The pod object the agent would have, for the agent's log layout.</summary>
    private V1Pod Pod => new() { Metadata = new V1ObjectMeta { NamespaceProperty = "default", Name = Name, Uid = Uid } };

    private ContainerLogManager Logs => new(_containerd.DataDir);

    /// <summary>Where the agent puts the log of instance <paramref name="restartCount"/> of container <paramref name="name"/>.</summary>
    public string LogPath(string name, int restartCount) => Logs.ContainerLog(Pod, name, restartCount);

    public static async Task<CriTestPod> StartAsync(ContainerdFixture containerd)
    {
        var pod = new CriTestPod(containerd, await CriRuntime.OpenAsync(Options(containerd)));
        return pod;
    }

    public static CriRuntimeOptions Options(ContainerdFixture containerd) => new() { Endpoint = containerd.Endpoint, DataDir = containerd.DataDir };

    /// <summary>
    /// Disposes the runtime without touching its containers (an agent restart), runs <paramref name="whileAway"/>,
    /// and opens a new runtime on the same endpoint.
    /// </summary>
    public async Task ReopenAsync(Func<Task> whileAway)
    {
        await Runtime.DisposeAsync();
        await whileAway();
        Runtime = await CriRuntime.OpenAsync(Options(_containerd), Deadline);
        _events = new EventLog(Runtime.Events);
    }

    public async Task<string> SandboxAsync()
    {
        SandboxId = await Runtime.RunPodSandboxAsync(
            new PodSandboxConfig { PodUid = Uid, Name = Name, Namespace = "default", LogDirectory = Logs.PodDirectory(Pod) }, Deadline);
        return SandboxId;
    }

    /// <summary>A host directory where the agent's volume manager would put the pod's emptyDir <paramref name="name"/>.</summary>
    public string VolumeDirectory(string name) =>
        Directory.CreateDirectory(Path.Combine(_containerd.DataDir, "pods", Uid, "volumes", "kubernetes.io~empty-dir", name)).FullName;

    public ContainerConfig Config(string name, IReadOnlyList<string>? command = null, IReadOnlyList<string>? args = null, int restartCount = 0) => new()
    {
        Name = name,
        Kind = ContainerKind.Regular,
        Hash = "hash-" + name,
        RestartCount = restartCount,
        Image = _containerd.Image(TestImages.Entrypoint),
        Argv = [.. command ?? [], .. args ?? []],
        Command = command ?? [],
        Args = args ?? [],
        LogPath = LogPath(name, restartCount),
    };

    public async Task<string> StartAsync(ContainerConfig config)
    {
        var id = await Runtime.CreateContainerAsync(SandboxId!, config, Deadline);
        await Runtime.StartContainerAsync(id, Deadline);
        return id;
    }

    public RuntimeContainerStatus Container(string id) => Status.Containers.Single(c => c.Id == id);

    /// <summary>Waits for the runtime's event for <paramref name="containerId"/> (events already read count).</summary>
    public Task<ContainerEvent> WaitForAsync(string containerId, ContainerEventType type) => _events.WaitForAsync(containerId, type, Deadline);

    public async Task<RuntimeContainerStatus> ExitedAsync(string containerId)
    {
        await WaitForAsync(containerId, ContainerEventType.Exited);
        return Container(containerId);
    }

    public async ValueTask DisposeAsync()
    {
        if (SandboxId is { } id)
        {
            using var cts = new CancellationTokenSource(ContainerdFixture.Timeout);
            await Runtime.StopPodSandboxAsync(id, cts.Token);
            await Runtime.RemovePodSandboxAsync(id, cts.Token);
        }

        await Runtime.DisposeAsync();
        _deadline.Dispose();
    }
}
