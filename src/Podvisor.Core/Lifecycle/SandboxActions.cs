using Podvisor.Core.Model;

namespace Podvisor.Core.Lifecycle;

/// <summary>
/// Mirrors kubelet runtimeutil.PodSandboxChanged and the sandbox (re)creation branch of computePodActions
/// (docs/lifecycle.md §5.1 steps 1 and 3).
/// </summary>
internal static class SandboxActions
{
    /// <summary>
    /// Mirrors PodSandboxChanged: a new sandbox is needed when there is none (attempt 0), when the newest is not ready,
    /// or when more than one is ready (attempt = newest + 1). Podvisor has no network-namespace or missing-IP checks:
    /// the pod network mode is immutable and a rootless runtime reports no pod IP by design (docs/contracts.md §3).
    /// </summary>
    public static PodActions Changes(RuntimePodStatus runtime)
    {
        if (runtime.Sandboxes.Count == 0)
        {
            return new PodActions { KillPod = true, CreateSandbox = true, Attempt = 0 };
        }

        var newest = runtime.Sandboxes[0];
        var changed = !newest.Ready || runtime.Sandboxes.Count(s => s.Ready) > 1;
        return new PodActions
        {
            KillPod = changed,
            CreateSandbox = changed,
            SandboxId = newest.Id,
            Attempt = changed ? newest.Attempt + 1 : newest.Attempt,
        };
    }

    /// <summary>
    /// Mirrors the createPodSandbox branch: everything restarts from the initial state (init index 0 first), except
    /// that a pod-level Never pod that already ran containers gets no new sandbox (quirk: container-level Always does
    /// not rescue it), run-once containers that succeeded are not started again, and no sandbox is made when nothing
    /// would start and a regular container was already created.
    /// </summary>
    public static void Compute(PlannerInput input, PodActions actions)
    {
        var spec = input.Pod.Spec;
        if (RestartPolicy.EffectiveFor(spec) == RestartPolicies.Never && actions.Attempt != 0 && input.Runtime.Containers.Count != 0)
        {
            actions.CreateSandbox = false;
            return;
        }

        var containers = spec.ContainersOrEmpty();
        var toStart = Enumerable.Range(0, containers.Count)
            .Where(i => !RunOnceSucceeded(input, containers[i]))
            .ToList();
        if (toStart.Count == 0 && HasAnyRegularContainerCreated(input))
        {
            actions.CreateSandbox = false;
            return;
        }

        if (spec.InitContainersOrEmpty().Count != 0)
        {
            actions.InitContainersToStart.Add(0);
            return;
        }

        actions.ContainersToStart.AddRange(toStart);
    }

    /// <summary>
    /// The run-once rule: the effective policy is OnFailure (the container-level policy overriding the pod's when
    /// ContainerRestartRules is on) and the newest instance exited 0. A container-level Never is not run-once here.
    /// </summary>
    private static bool RunOnceSucceeded(PlannerInput input, k8s.Models.V1Container container)
    {
        return RestartPolicy.EffectiveFor(input.Pod.Spec, container, input.Gates) == RestartPolicies.OnFailure
            && input.Runtime.FindContainerStatusByName(container.Name) is { State: RuntimeContainerState.Exited, ExitCode: 0 };
    }

    /// <summary>Mirrors hasAnyRegularContainerCreated: a regular container's newest instance is Created, Running or Exited.</summary>
    private static bool HasAnyRegularContainerCreated(PlannerInput input) =>
        input.Pod.Spec.ContainersOrEmpty().Any(c => input.Runtime.FindContainerStatusByName(c.Name)?.State
            is RuntimeContainerState.Created or RuntimeContainerState.Running or RuntimeContainerState.Exited);
}
