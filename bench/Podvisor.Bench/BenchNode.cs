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
    private readonly ProcessRuntime _processes;

    private BenchNode(string dataDir, ProcessRuntime processes, ILoggerFactory logs)
    {
        DataDir = dataDir;
        _processes = processes;
        _logs = logs;
        Runtime = new TimedRuntime(processes);
        Sink = new BenchSink();
        Agent = new PodAgent(Runtime, Sink, new AgentOptions { DataDir = dataDir, NodeName = "bench", HostIp = "127.0.0.1" }, TimeProvider.System, logs);
    }

    public string DataDir { get; }
    public TimedRuntime Runtime { get; }
    public BenchSink Sink { get; }
    public PodAgent Agent { get; }
    public bool Privileged => _processes.Privileged;

    public static async Task<BenchNode> StartAsync(string suite)
    {
        var dataDir = Path.Combine(Root, $"{suite}-{Guid.NewGuid():N}"[..20]);
        var logs = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        var processes = await ProcessRuntime.OpenAsync(new ProcessRuntimeOptions
        {
            DataDir = dataDir,
            PodCidr = "10.123.0.0/16",
            BridgeName = Bridge,
            IpamDir = Path.Combine(dataDir, "ipam"),
            LoggerFactory = logs,
        });
        return new BenchNode(dataDir, processes, logs);
    }

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
        await Agent.DisposeAsync();
        await _processes.KillAllAsync();
        await _processes.DisposeAsync();
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
