using System.Text;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Podvisor.Agent;
using Podvisor.Core;
using Podvisor.Core.Serialization;
using Podvisor.Core.Validation;
using Podvisor.Node;

namespace Podvisor.E2E.Tests.Support;

/// <summary>
/// The REAL agent on the REAL process runtime, in process: a fresh data dir, <see cref="TimeProvider.System"/>, a
/// test bridge and pod CIDR, a <see cref="PodRecorder"/> to wait on, and a <see cref="RecordingRuntime"/> to inspect.
/// Every wait of one harness shares ONE deadline (<see cref="TestTimeout"/> from the start). Disposal deletes every
/// pod, kills whatever is left, stops the threads, then fails if a network namespace or a mount remains or the agent
/// logged an error (a failed sync: the agent "crashed").
/// </summary>
public sealed class AgentHarness : IAsyncDisposable
{
    public static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(30);
    private const string Root = "/tmp/podvisor-e2e";

    private readonly CancellationTokenSource _deadline = new(TestTimeout);
    private readonly PodvisorNode _node;
    private readonly List<TestPod> _pods = [];

    private AgentHarness(PodvisorNode node, ProblemLog problems)
    {
        _node = node;
        Problems = problems;
        Runtime = (RecordingRuntime)node.Runtime;
        Agent = node.StartAgent(Recorder, TimeProvider.System);
    }

    public string DataDir => _node.Options.DataDir;
    public RecordingRuntime Runtime { get; }
    public PodRecorder Recorder { get; } = new();
    /// <summary>Warnings and errors of the agent and the runtime.</summary>
    public ProblemLog Problems { get; }
    public PodAgent Agent { get; }

    /// <summary>Starts an agent. <paramref name="gates"/> are the agent's (kubelet's); admission always uses the defaults.</summary>
    public static async Task<AgentHarness> StartAsync(FeatureGates? gates = null, TimeSpan? crashLoopBackOffMax = null)
    {
        var dataDir = Directory.CreateDirectory(Path.Combine(Root, Guid.NewGuid().ToString("N")[..12])).FullName;
        var problems = new ProblemLog();
        try
        {
            var node = await PodvisorNode.OpenAsync(new NodeOptions
            {
                DataDir = dataDir,
                Gates = gates ?? FeatureGates.Default,
                CrashLoopBackOffMax = crashLoopBackOffMax,
                NodeName = "e2e-node",
                PodNetwork = new ProcessPodNetwork("pve2e0", "10.237.0.0/16", "/run/podvisor-e2e/ipam"),
            }, problems, observe: r => new RecordingRuntime(r));
            return new AgentHarness(node, problems);
        }
        catch
        {
            Directory.Delete(dataDir, recursive: true);
            throw;
        }
    }

    /// <summary>Admits a pod manifest exactly as <c>podvisor run</c> does (strict decoding, defaults, validation) and runs it.</summary>
    public TestPod Run(string yaml, Action<V1Pod>? afterAdmission = null)
    {
        var manifest = ManifestReader.Read(yaml, "test.yaml");
        Assert.True(manifest.IsValid, manifest.ErrorText);
        var pod = Assert.Single(manifest.Pods);
        var errors = PodAdmission.AdmitCreate(pod, FeatureGates.Default);
        Assert.True(errors.IsEmpty, errors.ToInvalidMessage("Pod", pod.Metadata.Name));
        pod.Metadata.NamespaceProperty ??= "default";
        pod.Metadata.Uid = Guid.NewGuid().ToString();
        pod.Metadata.CreationTimestamp = DateTime.UtcNow;
        pod.Spec.NodeName = "e2e-node";
        afterAdmission?.Invoke(pod);
        var testPod = new TestPod(this, pod);
        lock (_pods)
        {
            _pods.Add(testPod);
        }

        Agent.UpsertPod(pod);
        return testPod;
    }

    /// <summary>Waits until <paramref name="condition"/> holds; past the test's deadline, fails with what was seen.</summary>
    public async Task WaitAsync(Func<bool> condition, string description)
    {
        try
        {
            await Recorder.WhenAsync(condition).WaitAsync(_deadline.Token);
        }
        catch (OperationCanceledException) when (_deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"timed out waiting for {description}\n{Diagnostics()}");
        }
    }

    /// <summary>What every pod, the runtime and the logs looked like: the message of a failed wait.</summary>
    public string Diagnostics()
    {
        var text = new StringBuilder();
        foreach (var pod in Pods)
        {
            text.AppendLine($"pod {pod.Name}: {Recorder.Latest(pod.Uid).Describe()}");
            text.AppendLine("  events: " + string.Join(" | ", Recorder.Events(pod.Uid).Select(e => $"{e.Reason} {e.ContainerName()}: {e.Message}")));
            text.AppendLine("  runtime: " + string.Join(", ", Runtime.CallsOf(pod.Uid)));
        }

        text.AppendLine("logged: " + string.Join("\n", Problems.Problems));
        return text.ToString();
    }

    private List<TestPod> Pods
    {
        get
        {
            lock (_pods)
            {
                return [.. _pods];
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        var problems = new List<string>();
        using var cleanup = new CancellationTokenSource(CleanupTimeout);
        var pods = Pods;
        foreach (var pod in pods.Where(p => !Recorder.IsTerminated(p.Uid)))
        {
            Agent.DeletePod(pod.Uid, 0);
        }

        try
        {
            await Recorder.WhenAsync(() => pods.All(p => Recorder.IsTerminated(p.Uid))).WaitAsync(cleanup.Token);
        }
        catch (OperationCanceledException)
        {
            problems.Add("pods not terminated after deletion:\n" + Diagnostics());
        }

        await _node.StopAgentAsync();
        var processes = _node.Processes!;
        await processes.KillAllAsync(cleanup.Token);
        foreach (var sandbox in pods.SelectMany(p => processes.GetPodStatus(p.Uid).Sandboxes))
        {
            problems.Add($"sandbox {sandbox.Id} left after deletion");
            await processes.RemovePodSandboxAsync(sandbox.Id, cleanup.Token);
        }

        await _node.DisposeAsync();
        problems.AddRange(Leftovers());
        problems.AddRange(Problems.Problems.Where(p => p.StartsWith(nameof(LogLevel.Error), StringComparison.Ordinal) || p.StartsWith(nameof(LogLevel.Critical), StringComparison.Ordinal)));

        _deadline.Dispose();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException ex)
        {
            problems.Add($"data dir not removable: {ex.Message}");
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>Network namespaces of this harness's sandboxes and mounts under its data dir that are still there.</summary>
    private IEnumerable<string> Leftovers()
    {
        foreach (var id in Runtime.SandboxIds.Where(id => File.Exists(Path.Combine("/run/netns", "podvisor-" + id[..12]))))
        {
            yield return $"network namespace podvisor-{id[..12]} left";
        }

        foreach (var mount in File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4]).Where(m => m.StartsWith(DataDir, StringComparison.Ordinal)))
        {
            yield return $"mount {mount} left";
        }
    }
}
