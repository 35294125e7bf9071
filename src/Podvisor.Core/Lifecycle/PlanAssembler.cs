using System.Collections.Immutable;
using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Core.Lifecycle;

/// <summary>
/// Turns computed <see cref="PodActions"/> into a <see cref="PodPlan"/>, folding in kubelet doBackOff (docs/lifecycle.md §9) for
/// every container about to start, in SyncPod's start order (init containers, then regular containers).
/// </summary>
internal static class PlanAssembler
{
    public static PodPlan Assemble(PlannerInput input, PodActions actions)
    {
        var backOffs = ImmutableArray.CreateBuilder<ContainerBackOff>();
        var initToStart = ImmutableArray.CreateBuilder<ContainerToStart>();
        var toStart = ImmutableArray.CreateBuilder<ContainerToStart>();
        if (AdmitInitContainers(input, actions.InitContainersToStart, initToStart, backOffs))
        {
            foreach (var index in actions.ContainersToStart)
            {
                if (Admit(input, input.Pod.Spec.ContainersOrEmpty()[index], ContainerKind.Regular, index, backOffs) is { } start)
                {
                    toStart.Add(start);
                }
            }
        }

        return new PodPlan
        {
            KillPod = actions.KillPod,
            CreateSandbox = actions.CreateSandbox,
            SandboxId = actions.SandboxId,
            Attempt = actions.Attempt,
            ContainersToKill = [.. actions.ContainersToKill],
            ContainersToRemove = [.. actions.ContainersToRemove],
            RestartAllCause = actions.RestartAllCause,
            InitContainersToStart = initToStart.ToImmutable(),
            ContainersToStart = toStart.ToImmutable(),
            BackOffs = backOffs.ToImmutable(),
            NextSyncAt = Earliest(backOffs.Count == 0 ? null : backOffs.Min(b => b.RetryAt), ActiveDeadline.At(input.Pod.Spec, input.ApiStatus)),
        };
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null || a < b ? a : b;

    /// <summary>
    /// Mirrors SyncPod step 6: a sidecar that cannot start is skipped, but a regular init container that cannot start
    /// (backoff included) ends the sync. Returns false in that case, so no later container starts either.
    /// </summary>
    private static bool AdmitInitContainers(
        PlannerInput input, List<int> indexes, ImmutableArray<ContainerToStart>.Builder admitted, ImmutableArray<ContainerBackOff>.Builder backOffs)
    {
        foreach (var index in indexes)
        {
            var container = input.Pod.Spec.InitContainersOrEmpty()[index];
            var kind = container.IsSidecar() ? ContainerKind.Sidecar : ContainerKind.Init;
            if (Admit(input, container, kind, index, backOffs) is { } start)
            {
                admitted.Add(start);
            }
            else if (kind == ContainerKind.Init)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Mirrors kubelet doBackOff: the first exited instance of the container (newest first) decides; without one the
    /// container starts with no backoff bookkeeping. In backoff it is recorded in <paramref name="backOffs"/> and null is
    /// returned; otherwise it starts with <see cref="ContainerToStart.LastFinishedAt"/> set so the executor calls Next.
    /// </summary>
    private static ContainerToStart? Admit(
        PlannerInput input, V1Container container, ContainerKind kind, int index, ImmutableArray<ContainerBackOff>.Builder backOffs)
    {
        var exited = input.Runtime.InstancesOf(container.Name).FirstOrDefault(s => s.State == RuntimeContainerState.Exited);
        if (exited is null)
        {
            return new ContainerToStart(kind, index, container.Name);
        }

        // A runtime that lost the finish time reports the creation time instead (upstream would use Go's zero time).
        var finishedAt = exited.FinishedAt ?? exited.CreatedAt;
        var key = CrashLoopBackoff.Key(input.Pod, container, input.HashOf(container));
        if (!input.Backoff.IsInBackOffSince(key, finishedAt, input.Now, out var backoff))
        {
            return new ContainerToStart(kind, index, container.Name, finishedAt);
        }

        var message = $"back-off {GoDuration.Format(backoff)} restarting failed container={container.Name} pod={GoFormat.Pod(input.Pod)}";
        backOffs.Add(new ContainerBackOff(container.Name, finishedAt + backoff, message));
        return null;
    }

}
