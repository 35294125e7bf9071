using CsCheck;
using k8s.Models;
using Podvisor.Core;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Core.Tests.Support;

namespace Podvisor.Core.Tests.Lifecycle;

/// <summary>Invariants of <see cref="PodPlanner.Compute"/> over random pods, runtime states, probes, gates and backoff.</summary>
public class PodPlannerPropertyTests
{
    private const long Iterations = 4000;

    [Fact]
    public void NeverTwoRegularInitContainersAtOnce_AndInitStartsAreInSpecOrder() => Check(s =>
    {
        var plan = s.Plan();
        Assert.True(plan.InitContainersToStart.Count(c => c.Kind == ContainerKind.Init) <= 1, plan.Describe());
        var indexes = plan.InitContainersToStart.Select(c => c.Index).ToList();
        Assert.True(indexes.SequenceEqual(indexes.Order().Distinct()), plan.Describe());
    });

    [Fact]
    public void NoRegularContainerStartsBeforeInitialization() => Check(s =>
    {
        var plan = s.Plan();
        if (!plan.ContainersToStart.IsEmpty && s.Init.Length > 0)
        {
            Assert.True(s.HasInitializationEvidence(), plan.Describe());
        }
    });

    [Fact]
    public void RestartAllBranch_NeverCreatesASandboxKillsThePodOrStartsAnything() => Check(s =>
    {
        var plan = s.Plan();
        if (!plan.ContainersToRemove.IsEmpty)
        {
            Assert.False(plan.CreateSandbox || plan.KillPod, plan.Describe());
            Assert.True(plan.ContainersToKill.IsEmpty && plan.InitContainersToStart.IsEmpty && plan.ContainersToStart.IsEmpty, plan.Describe());
            Assert.True(s.GateAll, plan.Describe());
        }
    });

    [Fact]
    public void NoDeadlock_EveryPlanActsOrSchedulesASyncOrKeepsSomethingRunning() => Check(s =>
    {
        var plan = s.Plan();
        Assert.True(!plan.IsEmpty || plan.NextSyncAt is not null || s.AnyRunning(), plan.Describe());
    });

    [Fact]
    public void StartsAreUnique_NotBackedOff_AndNeverDuplicateARunningInstance() => Check(s =>
    {
        var plan = s.Plan();
        var started = plan.InitContainersToStart.Concat(plan.ContainersToStart).ToList();
        Assert.Equal(started.Count, started.Select(c => c.Name).Distinct().Count());
        Assert.DoesNotContain(started, c => plan.BackOffs.Any(b => b.Name == c.Name));
        foreach (var start in started)
        {
            var newest = s.Runtime.FindContainerStatusByName(start.Name);
            var replaced = newest is not { State: RuntimeContainerState.Running } || plan.KillPod
                || plan.ContainersToKill.Any(k => k.ContainerId == newest.Id);
            Assert.True(replaced, $"{start.Name}: {plan.Describe()}");
        }
    });

    [Fact]
    public void PlanInvariants_CreateSandboxImpliesKillPod_NextSyncIsTheEarliestRetry_Deterministic() => Check(s =>
    {
        var plan = s.Plan();
        Assert.True(!plan.CreateSandbox || plan.KillPod, plan.Describe());
        Assert.Equal(plan.BackOffs.IsEmpty ? null : plan.BackOffs.Min(b => b.RetryAt), plan.NextSyncAt);
        Assert.Equal(plan.Describe(), s.Plan().Describe());
    });

    private static void Check(Action<Scenario> property) =>
        Scenarios.All.Sample(property, iter: Iterations, print: s => s.ToString());

    internal sealed record Instance(RuntimeContainerState State, int ExitCode, bool OldSpec, bool RecentExit, ProbeResult Liveness, ProbeResult Startup);

    internal sealed record Box(string? Policy, int Rules, bool StartupProbe, bool LivenessProbe, Instance[] Instances)
    {
        public override string ToString() =>
            $"(policy={Policy ?? "-"} rules={Rules} startupProbe={StartupProbe} liveness={LivenessProbe} [{string.Join("; ", Instances.Select(i => i.ToString()))}])";
    }

    internal sealed record InitBox(bool Sidecar, Box Box);

    internal sealed record Scenario(
        string? PodPolicy, InitBox[] Init, Box[] Regular, int Sandbox, bool ConditionTrue, bool BackoffPrimed, bool GateRules, bool GateAll, bool Deleted)
    {
        private static readonly DateTimeOffset Now = Plans.Now;
        private V1Pod? _pod;
        private RuntimePodStatus? _runtime;
        private FakeProbeResults? _probes;

        public V1Pod Pod => _pod ??= BuildPod();

        public RuntimePodStatus Runtime => _runtime ??= BuildRuntime();

        public PodPlan Plan()
        {
            var backoff = new CrashLoopBackoff();
            if (BackoffPrimed)
            {
                foreach (var container in Pod.Spec.AllContainers())
                {
                    backoff.Next(CrashLoopBackoff.Key(Pod, container.Container), Now, Now);
                }
            }

            return Plans.Compute(Pod, Runtime, ConditionTrue ? ApiStatuses.Restarting() : null, backoff, _probes,
                new FeatureGates(GateRules, GateAll), Now);
        }

        public bool AnyRunning() => Pod.Spec.AllContainers().Any(c => Runtime.FindContainerStatusByName(c.Container.Name)?.State == RuntimeContainerState.Running);

        /// <summary>Independent statement of "initialized": a regular container created/running, or the last init item done.</summary>
        public bool HasInitializationEvidence()
        {
            if (Pod.Spec.Containers.Any(c => Runtime.FindContainerStatusByName(c.Name)?.State is RuntimeContainerState.Created or RuntimeContainerState.Running))
            {
                return true;
            }

            var last = Pod.Spec.InitContainers[^1];
            var status = Runtime.FindContainerStatusByName(last.Name);
            return last.IsSidecar()
                ? status is { State: RuntimeContainerState.Running } && (last.StartupProbe is null || _probes!.Get(ProbeType.Startup, status.Id) == ProbeResult.Success)
                : status is { State: RuntimeContainerState.Exited } && !RestartDecider.IsInitContainerFailed(status);
        }

        public override string ToString() =>
            $"pod={PodPolicy ?? "-"} sandbox={Sandbox} condition={ConditionTrue} backoff={BackoffPrimed} gates={GateRules}/{GateAll} deleted={Deleted}\n" +
            $"  init: {string.Join("\n        ", Init.Select(i => (i.Sidecar ? "sidecar " : "init ") + i.Box))}\n" +
            $"  regular: {string.Join("\n           ", Regular.Select(r => r.ToString()))}";

        private V1Pod BuildPod()
        {
            var builder = new PodBuilder().RestartPolicy(PodPolicy);
            for (var i = 0; i < Init.Length; i++)
            {
                var box = Init[i].Box;
                builder.AddInit(Configure(Containers.New($"i{i}", Init[i].Sidecar ? "Always" : box.Policy, RuleSet(box.Rules, Init[i].Sidecar)), box));
            }

            for (var i = 0; i < Regular.Length; i++)
            {
                builder.AddContainer(Configure(Containers.New($"c{i}", Regular[i].Policy, RuleSet(Regular[i].Rules, sidecar: false)), Regular[i]));
            }

            if (Deleted)
            {
                builder.Deleted(Now.UtcDateTime);
            }

            return builder.Build();
        }

        private RuntimePodStatus BuildRuntime()
        {
            var runtime = new RuntimeBuilder(Pod).NoSandbox();
            runtime = Sandbox switch
            {
                0 => runtime,
                1 => runtime.Sandbox(ready: true, 2),
                2 => runtime.Sandbox(ready: false, 2),
                _ => runtime.Sandbox(ready: true, 1).Sandbox(ready: true, 2),
            };
            _probes = new FakeProbeResults();
            var boxes = Init.Select((b, i) => ($"i{i}", b.Box)).Concat(Regular.Select((b, i) => ($"c{i}", b)));
            foreach (var (name, box) in boxes)
            {
                // Instances are listed newest first; add them oldest first.
                for (var k = box.Instances.Length - 1; k >= 0; k--)
                {
                    var instance = box.Instances[k];
                    var finishedAt = instance.RecentExit ? Now.AddSeconds(-1) : (DateTimeOffset?)null;
                    runtime.Add(name, instance.State, instance.ExitCode, finishedAt, hash: instance.OldSpec ? "old-hash" : null);
                    var id = $"{name}-{box.Instances.Length - k}";
                    _probes.Set(ProbeType.Liveness, id, instance.Liveness).Set(ProbeType.Startup, id, instance.Startup);
                }
            }

            return runtime.Build();
        }

        private static V1Container Configure(V1Container container, Box box)
        {
            container.StartupProbe = box.StartupProbe ? Containers.ExecProbe() : null;
            container.LivenessProbe = box.LivenessProbe ? Containers.ExecProbe() : null;
            return container;
        }

        private static V1ContainerRestartRule[] RuleSet(int index, bool sidecar) => (sidecar ? index % 3 : index) switch
        {
            0 => [],
            1 => [Containers.RestartAll("In", 42)],
            2 => [Containers.RestartAll("NotIn", 0)],
            3 => [Containers.Restart("In", 42)],
            _ => [Containers.Restart("NotIn")],
        };
    }

    private static class Scenarios
    {
        private static readonly Gen<string?> Policy = Gen.OneOf<string?>(null, "Always", "OnFailure", "Never");

        private static readonly Gen<Instance> InstanceGen =
            from state in Gen.Enum<RuntimeContainerState>()
            from exitCode in Gen.OneOf(0, 1, 42, 137, 143)
            from oldSpec in Gen.Frequency((9, Gen.Const(false)), (1, Gen.Const(true)))
            from recentExit in Gen.Bool
            from liveness in Gen.Enum<ProbeResult>()
            from startup in Gen.Enum<ProbeResult>()
            select new Instance(state, exitCode, oldSpec, recentExit, liveness, startup);

        private static readonly Gen<Box> BoxGen =
            from policy in Policy
            from rules in Gen.Int[0, 4]
            from startupProbe in Gen.Bool
            from livenessProbe in Gen.Bool
            from instances in InstanceGen.Array[0, 2]
            select new Box(policy, rules, startupProbe, livenessProbe, instances);

        private static readonly Gen<(bool ConditionTrue, bool BackoffPrimed, bool GateRules, bool GateAll, bool Deleted)> Flags =
            from condition in Gen.Bool
            from backoff in Gen.Bool
            from gateRules in Gen.Frequency((4, Gen.Const(true)), (1, Gen.Const(false)))
            from gateAll in Gen.Frequency((4, Gen.Const(true)), (1, Gen.Const(false)))
            from deleted in Gen.Frequency((9, Gen.Const(false)), (1, Gen.Const(true)))
            select (condition, backoff, gateRules, gateAll, deleted);

        public static readonly Gen<Scenario> All =
            from podPolicy in Policy
            from init in Gen.Select(Gen.Bool, BoxGen, (sidecar, box) => new InitBox(sidecar, box)).Array[0, 3]
            from regular in BoxGen.Array[1, 3]
            from sandbox in Gen.Frequency((1, Gen.Const(0)), (6, Gen.Const(1)), (1, Gen.Const(2)), (1, Gen.Const(3)))
            from flags in Flags
            select new Scenario(podPolicy, init, regular, sandbox, flags.ConditionTrue, flags.BackoffPrimed, flags.GateRules, flags.GateAll, flags.Deleted);
    }
}
