using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Podvisor.Agent;
using Podvisor.Core;
using Podvisor.Core.Serialization;
using Podvisor.Core.Validation;
using Podvisor.Runtime.Process;

namespace Podvisor.E2E.Tests.Probes;

/// <summary>A fact that runs real pods with their own network namespace, IP and volumes; skipped with the reason when not root.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root: only as root does a pod get its own network namespace and IP (which probes and hooks target) and bind-mounted volumes";
        }
    }
}

/// <summary>
/// The real agent on the real process runtime, in process: <see cref="PodAgent"/> + <see cref="ProcessRuntime"/> on a
/// fresh data directory (own bridge and CIDR, so it never meets other test runs' pods) + a <see cref="PodRecorder"/>.
/// Every wait of a test shares one overall deadline. <see cref="Rec"/> is a scratch directory the pods' processes
/// write their records to (the process runtime shows containers the host file system outside their volumes).
/// </summary>
internal sealed class AgentHarness : IAsyncDisposable
{
    public static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(90);
    private const string Root = "/tmp/podvisor-e2e-probes";

    private readonly CancellationTokenSource _deadline = new(TestTimeout);
    private readonly List<V1Pod> _pods = [];
    private readonly string _dir;
    private readonly WarningLog _warnings;
    private readonly ProcessRuntime _runtime;

    private AgentHarness(string dir, ProcessRuntime runtime, WarningLog warnings, FeatureGates gates)
    {
        _dir = dir;
        _runtime = runtime;
        _warnings = warnings;
        Gates = gates;
        Rec = Directory.CreateDirectory(Path.Combine(dir, "rec")).FullName;
        Agent = new PodAgent(runtime, Sink, new AgentOptions { DataDir = DataDir, Gates = gates }, TimeProvider.System, warnings);
    }

    public PodRecorder Sink { get; } = new();
    public PodAgent Agent { get; }
    public FeatureGates Gates { get; }
    public string Rec { get; }
    public CancellationToken Deadline => _deadline.Token;
    private string DataDir => Path.Combine(_dir, "data");

    public static async Task<AgentHarness> StartAsync(FeatureGates? gates = null)
    {
        var dir = Path.Combine(Root, Guid.NewGuid().ToString("N")[..12]);
        var warnings = new WarningLog();
        var runtime = await ProcessRuntime.OpenAsync(new ProcessRuntimeOptions
        {
            DataDir = Path.Combine(dir, "data"),
            PodCidr = "10.236.0.0/16",
            BridgeName = "pvprobes0",
            IpamDir = Path.Combine(Root, "ipam"),
            LoggerFactory = warnings,
        });
        return new AgentHarness(dir, runtime, warnings, gates ?? FeatureGates.Default);
    }

    /// <summary>A record file in <see cref="Rec"/>.</summary>
    public string RecPath(string name) => Path.Combine(Rec, name);

    public void Touch(string name) => File.WriteAllText(RecPath(name), "");

    public string ReadRec(string name) => File.ReadAllText(RecPath(name));

    /// <summary>Where an emptyDir of the pod lives on the host (kubelet layout); it goes when the pod is cleaned up.</summary>
    public string EmptyDir(V1Pod pod, string volume) =>
        Path.Combine(DataDir, "pods", pod.Metadata.Uid, "volumes", "kubernetes.io~empty-dir", volume);

    /// <summary>
    /// The files of an emptyDir as they were when the pod's first terminal status was published (the agent removes
    /// the volume right after).
    /// </summary>
    public async Task<Dictionary<string, string>> EmptyDirAtTerminalAsync(V1Pod pod, string volume)
    {
        var dir = EmptyDir(pod, volume);
        return await Sink.WaitAsync(pod.Metadata.Uid, "a terminal phase", log =>
            log.LastOrDefault(r => r.Uid == pod.Metadata.Uid && r.Status is not null)?.Status?.Phase is "Succeeded" or "Failed"
                ? Directory.EnumerateFiles(dir).ToDictionary(f => Path.GetFileName(f), File.ReadAllText)
                : null, Deadline);
    }

    /// <summary>
    /// Admits the pod as the API would (strict decoding, defaults, validation; <c>{rec}</c> in the YAML becomes
    /// <see cref="Rec"/>), assigns what the apiserver and scheduler set, and hands it to the agent.
    /// </summary>
    public V1Pod Run(string yaml)
    {
        var manifest = ManifestReader.Read(yaml.Replace("{rec}", Rec, StringComparison.Ordinal), "test.yaml");
        Assert.True(manifest.IsValid, manifest.ErrorText);
        var pod = Assert.Single(manifest.Pods);
        var errors = PodAdmission.AdmitCreate(pod, Gates);
        Assert.True(errors.IsEmpty, errors.ToInvalidMessage("Pod", pod.Metadata.Name));
        pod.Metadata.Uid = Guid.NewGuid().ToString();
        pod.Metadata.CreationTimestamp = DateTime.UtcNow;
        pod.Metadata.ResourceVersion = "1";
        pod.Spec.NodeName = AgentOptions.DefaultNodeName();
        lock (_pods)
        {
            _pods.Add(pod);
        }

        Agent.UpsertPod(pod);
        return pod;
    }

    /// <summary>Waits until the pod's latest status satisfies <paramref name="until"/>.</summary>
    public Task<V1PodStatus> StatusAsync(V1Pod pod, string what, Func<V1PodStatus, bool> until) =>
        Sink.StatusAsync(pod.Metadata.Uid, what, until, Deadline);

    /// <summary>Waits for a matching event of the pod (recorded already or to come).</summary>
    public Task<Corev1Event> EventAsync(V1Pod pod, string what, Func<Corev1Event, bool> match) =>
        Sink.EventAsync(pod.Metadata.Uid, what, match, Deadline);

    /// <summary>Waits for an event of <paramref name="container"/> with this reason and message.</summary>
    public Task<Corev1Event> EventAsync(V1Pod pod, string container, string reason, string message) =>
        EventAsync(pod, $"{reason} \"{message}\" of {container}", e => Pods.Is(e, container, reason) && e.Message == message);

    /// <summary>Waits until the pod is terminal (Succeeded or Failed).</summary>
    public Task<V1PodStatus> TerminalAsync(V1Pod pod) =>
        StatusAsync(pod, "a terminal phase", s => s.Phase is "Succeeded" or "Failed");

    /// <summary>
    /// Deletes the pod as the API does for a graceful delete (the grace period of the request, else the pod's) and
    /// waits until the agent hands it back.
    /// </summary>
    public async Task DeleteAsync(V1Pod pod, long? gracePeriodSeconds = null)
    {
        Agent.DeletePod(pod.Metadata.Uid, gracePeriodSeconds ?? pod.Spec.TerminationGracePeriodSeconds);
        await Sink.TerminatedAsync(pod.Metadata.Uid, Deadline);
    }

    /// <summary>The pod's history, for assertion messages.</summary>
    public string Describe(V1Pod pod) => Sink.Describe(pod.Metadata.Uid) + string.Join('\n', _warnings.Lines);

    public async ValueTask DisposeAsync()
    {
        using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        V1Pod[] pods;
        lock (_pods)
        {
            pods = [.. _pods];
        }

        foreach (var pod in pods.Where(p => !Sink.IsTerminated(p.Metadata.Uid)))
        {
            Agent.DeletePod(pod.Metadata.Uid, 0);
        }

        try
        {
            await Task.WhenAll(pods.Select(p => Sink.TerminatedAsync(p.Metadata.Uid, cleanup.Token)));
        }
        finally
        {
            await Agent.DisposeAsync();
            await _runtime.KillAllAsync(cleanup.Token);
            await _runtime.DisposeAsync();
            _deadline.Dispose();
            TryDelete(_dir);
        }
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // Something still mounted under it; it is under /tmp.
        }
    }

    /// <summary>Keeps the agent's and runtime's warnings (e.g. a failed sync) for failure messages.</summary>
    private sealed class WarningLog : ILoggerFactory, ILoggerProvider, ILogger
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IEnumerable<string> Lines => _lines;

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                _lines.Enqueue($"{logLevel}: {formatter(state, exception)} {exception}");
            }
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>Lookups in pod statuses and events.</summary>
internal static class Pods
{
    /// <summary>The status of a regular, init or sidecar container.</summary>
    public static V1ContainerStatus? Container(this V1PodStatus status, string name) =>
        (status.ContainerStatuses ?? []).Concat(status.InitContainerStatuses ?? []).FirstOrDefault(c => c.Name == name);

    public static V1PodCondition? Condition(this V1PodStatus status, string type) =>
        status.Conditions?.FirstOrDefault(c => c.Type == type);

    public static bool IsRunning(this V1PodStatus status, string container) =>
        status.Container(container)?.State?.Running is not null;

    public static bool IsReady(this V1PodStatus status, string container) => status.Container(container)?.Ready == true;

    public static bool IsStarted(this V1PodStatus status, string container) => status.Container(container)?.Started == true;

    public static bool ConditionIs(this V1PodStatus status, string type, string value) => status.Condition(type)?.Status == value;

    /// <summary>Whether the event is about <paramref name="container"/> (either kind) and has this reason.</summary>
    public static bool Is(Corev1Event e, string container, string reason) =>
        e.Reason == reason && e.InvolvedObject.FieldPath is { } path
        && (path == $"spec.containers{{{container}}}" || path == $"spec.initContainers{{{container}}}");
}
