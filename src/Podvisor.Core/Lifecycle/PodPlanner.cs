using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Core.Lifecycle;

/// <summary>Everything <see cref="PodPlanner.Compute"/> reads. The backoff is only read, never advanced.</summary>
public sealed record PlannerInput
{
    public required V1Pod Pod { get; init; }
    public required RuntimePodStatus Runtime { get; init; }

    /// <summary>
    /// The API status generated for this sync, or the last one the agent wrote (carries AllContainersRestarting across
    /// syncs and agent restarts). Contract: the status written after a sync that found the pod cleaned up has the
    /// condition False (as kubelet's generator makes it), so the next plan does not mistake the restarted containers
    /// for leftovers of the finished cycle.
    /// </summary>
    public V1PodStatus? ApiStatus { get; init; }

    public required CrashLoopBackoff Backoff { get; init; }
    public IProbeResults Probes { get; init; } = NoProbeResults.Instance;
    public FeatureGates Gates { get; init; } = FeatureGates.Default;
    public required DateTimeOffset Now { get; init; }

    /// <summary>Memoized hashes of <see cref="Pod"/>'s containers; null hashes each container on every plan.</summary>
    public ContainerHashes? Hashes { get; init; }

    internal string HashOf(V1Container container) => Hashes?.Get(container) ?? ContainerHash.Compute(container);
}

/// <summary>
/// Mirrors kubelet computePodActions (docs/lifecycle.md §5, §6.3, §13) as a pure function: (pod, runtime status, API status,
/// backoff, probes, now) in, an immutable <see cref="PodPlan"/> out. CrashLoopBackOff (doBackOff, docs/lifecycle.md §9) is folded in:
/// a container in backoff is not started but listed in <see cref="PodPlan.BackOffs"/>. Ephemeral containers are not
/// run by Podvisor (docs/lifecycle.md §D10) and are ignored.
/// </summary>
public static class PodPlanner
{
    public static PodPlan Compute(PlannerInput input)
    {
        // Step 1: does the pod need a new sandbox?
        var actions = SandboxActions.Changes(input.Runtime);

        // Step 2: RestartAllContainers cleanup; the sandbox is never recreated by this path.
        if (RestartAllCleanup.InProgress(input))
        {
            RestartAllCleanup.Compute(input, actions);
            return PlanAssembler.Assemble(input, actions);
        }

        // Step 3: a new sandbox restarts the pod from its initial state.
        if (actions.CreateSandbox)
        {
            SandboxActions.Compute(input, actions);
            return PlanAssembler.Assemble(input, actions);
        }

        // Step 4 (ephemeral containers) does not apply: Podvisor does not run them (docs/lifecycle.md §D10).
        // Step 5: regular containers are not touched before initialization completes.
        var initialized = InitContainerActions.Compute(input, actions);
        if (!actions.KillPod && initialized)
        {
            ComputeContainerActions(input, actions);
        }

        return PlanAssembler.Assemble(input, actions);
    }

    /// <summary>
    /// Steps 6 and 7: start what should (re)start, kill running containers whose spec changed or that failed a
    /// liveness/startup probe, and kill the pod when nothing runs or will start (how sidecars stop after the main
    /// containers finish).
    /// </summary>
    private static void ComputeContainerActions(PlannerInput input, PodActions actions)
    {
        var keepCount = 0;
        var containers = input.Pod.Spec.ContainersOrEmpty();
        for (var idx = 0; idx < containers.Count; idx++)
        {
            var container = containers[idx];
            var status = input.Runtime.FindContainerStatusByName(container.Name);
            if (status is not { State: RuntimeContainerState.Running })
            {
                if (RestartDecider.ShouldContainerBeRestarted(container, input.Pod, input.Runtime, input.Gates))
                {
                    actions.ContainersToStart.Add(idx);
                    if (status is { State: RuntimeContainerState.Unknown })
                    {
                        // Its real state is unknown: kill it first so two instances never run at once.
                        actions.Kill(status, KillReason.Unknown, "Container is in \"unknown\" state, try killing it before restart");
                    }
                }

                continue;
            }

            if (RunningContainerKill(input, container, status) is not { } kill)
            {
                keepCount++;
                continue;
            }

            actions.Kill(status, kill.Reason, kill.Restart ? kill.Message + ", will be restarted" : kill.Message);
            if (kill.Restart)
            {
                actions.ContainersToStart.Add(idx);
            }
        }

        if (keepCount == 0 && actions.ContainersToStart.Count == 0)
        {
            actions.KillPod = true;
            actions.InitContainersToStart.Clear();
        }
    }

    /// <summary>
    /// Why a running regular container must be killed, if at all: a spec-hash change (always restarted), else a liveness
    /// or startup probe Failure, restarted per the container-level policy only (rules are not evaluated on a running
    /// container, docs/lifecycle.md §4.2), else the pod policy.
    /// </summary>
    private static (KillReason Reason, string Message, bool Restart)? RunningContainerKill(
        PlannerInput input, V1Container container, RuntimeContainerStatus status)
    {
        if (input.HashOf(container) != status.Hash)
        {
            return (KillReason.SpecChanged, $"Container {container.Name} definition changed", true);
        }

        var restart = RestartPolicy.Decide(input.Pod.Spec, container, input.Gates, exitCode: null).Restarts;
        if (input.Probes.Get(ProbeType.Liveness, status.Id) == ProbeResult.Failure)
        {
            return (KillReason.LivenessProbe, $"Container {container.Name} failed liveness probe", restart);
        }

        if (input.Probes.Get(ProbeType.Startup, status.Id) == ProbeResult.Failure)
        {
            return (KillReason.StartupProbe, $"Container {container.Name} failed startup probe", restart);
        }

        return null;
    }
}
