using CsCheck;
using k8s.Models;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Core.Tests.Support;
using static Podvisor.Core.Tests.Support.StatusPods;

namespace Podvisor.Core.Tests.Status;

/// <summary>Properties over random sequences of runtime observations fed back through the generator.</summary>
public class StatusPropertyTests
{
    private static readonly string[] Names = ["init", "sidecar", "source-container", "regular"];
    private static readonly Dictionary<string, int> TriggerCode = new() { ["source-container"] = 42, ["init"] = 7 };

    /// <summary>RS-01 with a second trigger on the regular init container.</summary>
    private static V1Pod RandomPod(string policy) => Pod(
        policy,
        [C("source-container", "Never", RestartAllOn(42)), C("regular")],
        [C("init", "OnFailure", RestartAllOn(7)), Sidecar("sidecar")]);

    /// <summary>Per container: 0 absent, 1 created, 2 running, 3 unknown, 4+ exited with 0, 1, 7, 42, 137.</summary>
    private static readonly int[] ExitCodes = [0, 1, 7, 42, 137];

    private static readonly Gen<(int[] States, bool Sandbox)> GenObservation = Gen.Select(Gen.Int[0, 8].Array[Names.Length], Gen.Bool);

    private static readonly Gen<(string Policy, (int[] States, bool Sandbox)[] Steps)> GenRun =
        Gen.Select(Gen.OneOf("Never", "Always", "OnFailure"), GenObservation.Array[1, 14]);

    private static RuntimePodStatus Observe((int[] States, bool Sandbox) step)
    {
        var runtime = new StatusRuntimeBuilder().Sandbox(step.Sandbox);
        for (var i = 0; i < Names.Length; i++)
        {
            runtime = step.States[i] switch
            {
                0 => runtime,
                1 => runtime.Created(Names[i]),
                2 => runtime.Running(Names[i]),
                3 => runtime.Unknown(Names[i]),
                var s => runtime.Exited(Names[i], ExitCodes[s - 4]),
            };
        }

        return runtime.Build();
    }

    private static void Replay((string Policy, (int[] States, bool Sandbox)[] Steps) run, Action<V1Pod, V1PodStatus?, RuntimePodStatus, V1PodStatus> check)
    {
        var pod = RandomPod(run.Policy);
        var seq = new StatusSequence(pod);
        foreach (var step in run.Steps)
        {
            var old = seq.Current;
            var runtime = Observe(step);
            check(pod, old, runtime, seq.Step(runtime));
        }
    }

    [Fact]
    public void RestartCountNeverDecreases() =>
        GenRun.Sample(run => Replay(run, (_, old, _, next) =>
        {
            foreach (var name in Names)
            {
                var before = old?.Container(name).RestartCount ?? 0;
                Assert.True(next.Container(name).RestartCount >= before, $"{name}: {before} -> {next.Container(name).RestartCount}");
            }
        }), iter: 400);

    [Fact]
    public void TerminalPhaseNeverChanges() =>
        GenRun.Sample(run => Replay(run, (_, old, _, next) =>
        {
            if (PodPhases.IsTerminal(old?.Phase))
            {
                Assert.Equal(old!.Phase, next.Phase);
            }
        }), iter: 400);

    /// <summary>
    /// AllContainersRestarting is True exactly while a trigger exists (the old condition was True, or a container's
    /// newest instance, else its API state, exited with a code its RestartAllContainers rule matches) and some init or
    /// regular container instance is left, and the pod is not terminal. Then the phase is Running (docs/lifecycle.md §D6).
    /// </summary>
    [Fact]
    public void AllContainersRestartingTrueExactlyWhileTriggeredAndNotCleanedUp() =>
        GenRun.Sample(run => Replay(run, (_, old, runtime, next) =>
        {
            var triggered = old?.FindCondition(PodConditions.AllContainersRestarting)?.Status == "True"
                || TriggerCode.Any(t => Triggers(t.Key, t.Value, runtime, old));
            var leftovers = Names.Any(n => runtime.FindContainerStatusByName(n) is not null);
            var expected = triggered && leftovers && !PodPhases.IsTerminal(next.Phase);

            var condition = next.Condition(PodConditions.AllContainersRestarting);
            Assert.Equal(expected ? "True" : "False", condition.Status);
            if (expected)
            {
                Assert.Equal(PodPhases.Running, next.Phase);
            }
        }), iter: 400);

    private static bool Triggers(string name, int code, RuntimePodStatus runtime, V1PodStatus? old) =>
        runtime.FindContainerStatusByName(name) is { } newest
            ? newest is { State: RuntimeContainerState.Exited } && newest.ExitCode == code
            : old?.Container(name).State?.Terminated?.ExitCode == code;

    [Fact]
    public void GenerationIsDeterministicAndIdempotentOnSameObservation() =>
        GenRun.Sample(run =>
        {
            var pod = RandomPod(run.Policy);
            var a = new StatusSequence(pod);
            var b = new StatusSequence(pod);
            foreach (var step in run.Steps)
            {
                var runtime = Observe(step);
                Assert.Equal(k8s.KubernetesJson.Serialize(a.Step(runtime)), k8s.KubernetesJson.Serialize(b.Step(runtime)));
            }
        }, iter: 200);

    [Fact]
    public void ContainerStatusesAlwaysCoverTheSpec() =>
        GenRun.Sample(run => Replay(run, (pod, _, _, next) =>
        {
            Assert.Equal(["regular", "source-container"], next.ContainerStatuses.Select(s => s.Name));
            Assert.Equal(["init", "sidecar"], next.InitContainerStatuses.Select(s => s.Name));
            Assert.All(next.ContainerStatuses.Concat(next.InitContainerStatuses), s =>
                Assert.Equal(1, new[] { s.State.Waiting is not null, s.State.Running is not null, s.State.Terminated is not null }.Count(x => x)));
            Assert.NotNull(pod);
        }), iter: 300);
}
