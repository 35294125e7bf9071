using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Podvisor.Agent;
using Podvisor.Core;
using Podvisor.Core.Serialization;
using Podvisor.Core.Validation;
using Podvisor.Node;
using Podvisor.Runtime.Process;

namespace Podvisor.Bench;

/// <summary>
/// Podvisor in this process, as <c>podvisor run</c> wires it: a <see cref="PodAgent"/> over the
/// <see cref="ProcessRuntime"/> (wrapped in <see cref="TimedRuntime"/>), on a private DataDir, bridge and pod CIDR.
/// Disposing deletes every pod, kills what is left and removes the sandboxes (network namespaces) and the DataDir.
/// </summary>
internal sealed class BenchNode : IAsyncDisposable
{
    public const string Bridge = "pvbench0";
    private const string Root = "/tmp/podvisor-bench";
    private static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(120);

    private readonly ConcurrentDictionary<string, V1Pod> _pods = new();
    private readonly ILoggerFactory _logs;
    private readonly PodvisorNode _node;

    private BenchNode(PodvisorNode node, ILoggerFactory logs)
    {
        _node = node;
        _logs = logs;
        Runtime = (TimedRuntime)node.Runtime;
        Agent = node.StartAgent(Sink, TimeProvider.System);
    }

    public string DataDir => _node.Options.DataDir;
    public TimedRuntime Runtime { get; }
    public BenchSink Sink { get; } = new();
    public PodAgent Agent { get; }
    public bool Privileged => _node.Processes!.Privileged;

    public static async Task<BenchNode> StartAsync(string suite)
    {
        var logs = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        return new BenchNode(await PodvisorNode.OpenAsync(Options(Path.Combine(Root, $"{suite}-{Guid.NewGuid():N}"[..20])), logs, observe: r => new TimedRuntime(r)), logs);
    }

    /// <summary>A node on a private data dir, bridge and pod CIDR.</summary>
    public static NodeOptions Options(string dataDir) => new()
    {
        DataDir = dataDir,
        NodeName = "bench",
        HostIp = "127.0.0.1",
        PodNetwork = new ProcessPodNetwork(Bridge, "10.123.0.0/16", Path.Combine(dataDir, "ipam")),
    };

    /// <summary>An admitted pod (defaults applied, validated like the apiserver) from a manifest, with a fresh UID.</summary>
    public static V1Pod Admit(string yaml, string name)
    {
        var manifest = ManifestReader.Read(yaml, name);
        if (!manifest.IsValid)
        {
            throw new InvalidOperationException(manifest.ErrorText);
        }

        var pod = manifest.Pods[0];
        pod.Metadata.Name = name;
        var errors = PodAdmission.AdmitCreate(pod, FeatureGates.Default);
        if (!errors.IsEmpty)
        {
            throw new InvalidOperationException(errors.ToInvalidMessage("Pod", name));
        }

        pod.Metadata.NamespaceProperty ??= "default";
        pod.Metadata.Uid = Guid.NewGuid().ToString();
        pod.Metadata.CreationTimestamp = DateTime.UtcNow;
        pod.Metadata.ResourceVersion = "1";
        pod.Spec.NodeName = "bench";
        pod.ApiVersion = "v1";
        pod.Kind = "Pod";
        return pod;
    }

    /// <summary>A copy of <paramref name="template"/> with another name and a fresh UID.</summary>
    public static V1Pod Copy(V1Pod template, string name)
    {
        var pod = KubernetesJson.Deserialize<V1Pod>(KubernetesJson.Serialize(template));
        pod.Metadata.Name = name;
        pod.Metadata.Uid = Guid.NewGuid().ToString();
        return pod;
    }

    /// <summary>Hands the pod to the agent; does not wait.</summary>
    public void Create(V1Pod pod)
    {
        _pods[pod.Metadata.Uid] = pod;
        Agent.UpsertPod(pod);
    }

    /// <summary>Creates the pod and waits until every container in <paramref name="running"/> was started.</summary>
    public async Task CreateRunningAsync(V1Pod pod, IReadOnlyCollection<string> running)
    {
        using var timeout = new CancellationTokenSource(WaitTimeout);
        Create(pod);
        await Runtime.WaitStartedAsync(pod.Metadata.Uid, running, timeout.Token);
    }

    /// <summary>Deletes the pod at once (grace 0) and waits until the agent removed it.</summary>
    public async Task DeleteAsync(string uid)
    {
        Agent.DeletePod(uid, 0);
        await Sink.Terminated(uid).WaitAsync(WaitTimeout);
        _pods.TryRemove(uid, out _);
    }

    /// <summary>Waits for the starts of <paramref name="running"/> in a pod; the last of them.</summary>
    public async Task<ContainerStart> WaitStartedAsync(string uid, IReadOnlyCollection<string> running)
    {
        using var timeout = new CancellationTokenSource(WaitTimeout);
        return await Runtime.WaitStartedAsync(uid, running, timeout.Token);
    }

    /// <summary>
    /// The pid of the newest instance of a container, from the runtime's persisted state (written behind by the
    /// runtime, so this waits up to a few milliseconds for the file; never on a measured path).
    /// </summary>
    public async Task<int> PidAsync(string uid, string container)
    {
        var status = Runtime.GetPodStatus(uid).FindContainerStatusByName(container)
            ?? throw new InvalidOperationException($"no container {container} in pod {uid}");
        var path = Path.Combine(DataDir, "runtime", "containers", status.Id + ".json");
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < WaitTimeout)
        {
            if (ReadPid(path) is { } pid)
            {
                return pid;
            }

            await Task.Delay(1);
        }

        throw new TimeoutException($"no pid recorded for {container} in pod {uid}");
    }

    private static int? ReadPid(string path)
    {
        try
        {
            using var record = JsonDocument.Parse(File.ReadAllBytes(path));
            return record.RootElement.GetProperty("Pid").GetInt32() is > 0 and var pid ? pid : null;
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_pods.Keys.ToList().Select(DeleteAsync));
        await _node.StopAgentAsync();
        await _node.Processes!.KillAllAsync();
        await _node.DisposeAsync();
        _logs.Dispose();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // a busy mount stays under /tmp
        }
    }
}
