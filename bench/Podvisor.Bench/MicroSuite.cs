using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using k8s.Models;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Core.Status;

namespace Podvisor.Bench;

/// <summary>
/// planner_compute (BenchmarkDotNet, in process): PodPlanner.Compute for a 10-container pod (1 init, 1 sidecar,
/// 8 regular; one regular container just exited with a code its Restart rule matches, so the plan restarts it), with
/// and without memoized container hashes, and PodStatusGenerator.Generate for the same pod (both in the note). ns and
/// bytes allocated per call; p50/p99 over BenchmarkDotNet's measured iterations.
/// </summary>
internal static class MicroSuite
{
    public static IReadOnlyList<Figure> Run(BenchOptions options, string resultsDir)
    {
        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(options.Quick ? 2 : 6)
            .WithIterationCount(options.Quick ? 10 : 40)
            .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(options.Quick ? 100 : 250));
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddLogger(NullLogger.Instance)
            .AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .WithArtifactsPath(Path.Combine(resultsDir, "BenchmarkDotNet.Artifacts"));
        var summary = BenchmarkRunner.Run<EngineBenchmarks>(config);
        var planner = Measure(summary, nameof(EngineBenchmarks.PlannerCompute));
        var status = Measure(summary, nameof(EngineBenchmarks.StatusGenerate));
        var unmemoized = Measure(summary, nameof(EngineBenchmarks.PlannerComputeUnmemoized));
        if (planner is null || status is null || unmemoized is null)
        {
            return [Figure.NotMeasured("planner_compute", "ns", "p99 < 10 µs", "BenchmarkDotNet produced no result")];
        }

        return
        [
            planner.Value.Ns.ToFigure("planner_compute", "ns", null, "p99 < 10 µs", s => s.P99 < 10_000) with
            {
                Note = $"10-container pod, hashes memoized per pod version as the agent does; {planner.Value.Bytes} B allocated/call. "
                    + $"Unmemoized: p50 {Samples.Round(unmemoized.Value.Ns.P50)} ns, {unmemoized.Value.Bytes} B/call. "
                    + $"Status generation: p50 {Samples.Round(status.Value.Ns.P50)} ns, p99 {Samples.Round(status.Value.Ns.P99)} ns, {status.Value.Bytes} B/call",
            },
        ];
    }

    /// <summary>ns per call of every actual workload iteration, and bytes allocated per call.</summary>
    private static (Samples Ns, long Bytes)? Measure(Summary summary, string method)
    {
        var report = summary.Reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method);
        if (report is null || !report.Success)
        {
            return null;
        }

        var samples = new Samples();
        foreach (var m in report.AllMeasurements.Where(m => m.IterationMode == IterationMode.Workload && m.IterationStage == IterationStage.Actual))
        {
            samples.Add(m.Nanoseconds / m.Operations);
        }

        return samples.Count == 0 ? null : (samples, report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? 0);
    }
}

/// <summary>The benchmarked engine calls (public and unsealed for BenchmarkDotNet).</summary>
public class EngineBenchmarks
{
    private PlannerInput _planner = null!;
    private PlannerInput _plannerUnmemoized = null!;
    private StatusInput _status = null!;

    [GlobalSetup]
    public void Setup()
    {
        var pod = BenchNode.Admit(TenContainers(), "ten");
        var now = DateTimeOffset.UtcNow;
        var runtime = RuntimeOf(pod, now);
        var status = PodStatusGenerator.Generate(new StatusInput { Pod = pod, Runtime = runtime, Now = now, HostIp = "127.0.0.1" });
        _status = new StatusInput { Pod = pod, Runtime = runtime, OldStatus = status, Now = now, HostIp = "127.0.0.1" };
        _plannerUnmemoized = new PlannerInput { Pod = pod, Runtime = runtime, ApiStatus = status, Backoff = new CrashLoopBackoff(), Now = now };
        _planner = _plannerUnmemoized with { Hashes = ContainerHashes.Of(pod.Spec) };
    }

    /// <summary>As the agent calls it: container hashes memoized per pod version.</summary>
    [Benchmark]
    public PodPlan PlannerCompute() => PodPlanner.Compute(_planner);

    /// <summary>Every container hashed on the call (what each sync cost before the memo).</summary>
    [Benchmark]
    public PodPlan PlannerComputeUnmemoized() => PodPlanner.Compute(_plannerUnmemoized);

    [Benchmark]
    public V1PodStatus StatusGenerate() => PodStatusGenerator.Generate(_status);

    private static string TenContainers()
    {
        var regular = string.Concat(Enumerable.Range(0, 8).Select(i => $$"""

              - name: c{{i}}
                image: busybox
                command: ["sleep", "3600"]
                restartPolicy: Never
                restartPolicyRules:
                - action: Restart
                  exitCodes: {operator: In, values: [138]}
            """));
        return $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: ten}
            spec:
              restartPolicy: Never
              initContainers:
              - name: init
                image: busybox
                command: ["true"]
              - name: sidecar
                image: busybox
                restartPolicy: Always
                command: ["sleep", "3600"]
              containers:{{regular}}
            """;
    }

    /// <summary>A ready sandbox; init Completed, every other container Running except c7, which exited with 138.</summary>
    private static RuntimePodStatus RuntimeOf(V1Pod pod, DateTimeOffset now)
    {
        var started = now.AddMinutes(-5);
        var containers = pod.Spec.InitContainers.Concat(pod.Spec.Containers).Select((c, i) => new RuntimeContainerStatus
        {
            Id = $"{i:x64}",
            Name = c.Name,
            Hash = ContainerHash.Compute(c),
            CreatedAt = started.AddMilliseconds(i),
            StartedAt = started.AddMilliseconds(i),
            State = c.Name is "init" or "c7" ? RuntimeContainerState.Exited : RuntimeContainerState.Running,
            ExitCode = c.Name == "c7" ? Pods.TriggerExitCode : 0,
            Reason = c.Name == "c7" ? "Error" : c.Name == "init" ? "Completed" : null,
            FinishedAt = c.Name is "init" or "c7" ? now.AddSeconds(-1) : null,
        });
        return new RuntimePodStatus
        {
            Uid = pod.Metadata.Uid,
            Sandboxes = [new RuntimeSandboxStatus { Id = "sandbox", Ready = true, Ip = "10.123.0.2", CreatedAt = started.AddSeconds(-1) }],
            Containers = containers.OrderByDescending(c => c.CreatedAt).ToList(),
        };
    }
}
