using k8s.Models;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;

namespace Podvisor.Core.Status;

/// <summary>What <see cref="ContainerStatusBuilder"/> reads besides the container list (kubelet: the Kubelet fields).</summary>
public sealed record ContainerStatusContext(
    V1Pod Pod,
    RuntimePodStatus Runtime,
    IReadOnlyDictionary<string, ContainerStartFailure> ReasonCache,
    FeatureGates Gates,
    bool PodRestarting)
{
    public bool HasInitContainers => Pod.Spec.InitContainersOrEmpty().Count > 0;

    /// <summary>RestartAllContainersOnContainerExits is on and ShouldAllContainersRestart holds (docs/lifecycle.md §6.6).</summary>
    public bool RestartingAll => Gates.RestartAllContainersOnContainerExits && PodRestarting;
}

/// <summary>
/// Mirrors kubelet convertToAPIContainerStatuses (kubelet_pods.go, docs/lifecycle.md §11, §6.6, §D5): default waiting state, the
/// old status as the starting point, the two newest runtime instances as state and lastState, the RestartAllContainers
/// records, the reasonCache waiting reasons, and the final ordering.
/// </summary>
public static class ContainerStatusBuilder
{
    public const string InitStatusLostMessage =
        "Unable to get init container status from container runtime and pod has been initialized, treat it as exited normally";

    /// <summary>
    /// Converts the runtime view of <paramref name="containers"/> into API statuses: name order for regular and
    /// ephemeral containers, spec order for init containers.
    /// </summary>
    public static List<V1ContainerStatus> Build(
        ContainerStatusContext ctx, IList<V1Container> containers, IList<V1ContainerStatus>? previous, bool isInit)
    {
        var old = new Dictionary<string, V1ContainerStatus>();
        foreach (var s in previous ?? [])
        {
            old[s.Name] = s;
        }

        var statuses = new Dictionary<string, V1ContainerStatus>();
        foreach (var c in containers)
        {
            statuses[c.Name] = StartingPoint(ctx, c, old.GetValueOrDefault(c.Name));
        }

        foreach (var c in containers.Where(c => ctx.Runtime.FindContainerStatusByName(c.Name) is null))
        {
            if (old.TryGetValue(c.Name, out var o))
            {
                statuses[c.Name] = ConvertMissing(ctx, statuses[c.Name], o);
            }
        }

        ApplyRuntimeInstances(ctx, containers, old, statuses);
        foreach (var c in containers)
        {
            statuses[c.Name] = ApplyStartFailure(ctx, c, statuses[c.Name], isInit);
        }

        return isInit
            ? [.. containers.Select(c => statuses[c.Name])]
            : [.. statuses.Values.OrderBy(s => s.Name, StringComparer.Ordinal)];
    }

    /// <summary>The default waiting status, or the old one: whole if it was terminated, else its count and lastState.</summary>
    private static V1ContainerStatus StartingPoint(ContainerStatusContext ctx, V1Container c, V1ContainerStatus? old)
    {
        if (old?.State?.Terminated is not null)
        {
            return StatusObjects.Copy(old);
        }

        return new V1ContainerStatus
        {
            Name = c.Name,
            Image = c.Image ?? "",
            ImageID = "",
            State = DefaultWaiting(ctx),
            LastState = old?.LastState ?? StatusObjects.Empty(),
            RestartCount = old?.RestartCount ?? 0,
            VolumeMounts = VolumeMountStatuses(c),
        };
    }

    private static V1ContainerState DefaultWaiting(ContainerStatusContext ctx) =>
        StatusObjects.Waiting(ctx.HasInitContainers ? ContainerReasons.PodInitializing : ContainerReasons.ContainerCreating);

    private static bool IsDefaultWaiting(ContainerStatusContext ctx, V1ContainerStatus s) =>
        s.State?.Waiting?.Reason == (ctx.HasInitContainers ? ContainerReasons.PodInitializing : ContainerReasons.ContainerCreating);

    /// <summary>
    /// Mirrors the RecursiveReadOnlyMounts status: one entry per spec mount; read-only mounts report
    /// <c>recursiveReadOnly: Disabled</c> (the process runtime has no recursive read-only mounts).
    /// </summary>
    internal static List<V1VolumeMountStatus>? VolumeMountStatuses(V1Container c) =>
        c.VolumeMounts is not { Count: > 0 } mounts
            ? null
            : [.. mounts.Select(m => new V1VolumeMountStatus
            {
                Name = m.Name,
                MountPath = m.MountPath,
                ReadOnlyProperty = m.ReadOnlyProperty == true ? true : null,
                RecursiveReadOnly = m.ReadOnlyProperty == true ? "Disabled" : null,
            })];

    /// <summary>
    /// A container with a status but no runtime instance: removed by RestartAllContainers (docs/lifecycle.md §D5 record, count +1 once,
    /// since the next pass sees the waiting state), or lost while Running (ContainerStatusUnknown, count +1 unless
    /// the pod is being deleted).
    /// </summary>
    private static V1ContainerStatus ConvertMissing(ContainerStatusContext ctx, V1ContainerStatus status, V1ContainerStatus old)
    {
        if (ctx.RestartingAll && old.State?.Waiting is null)
        {
            var removed = StatusObjects.Copy(status);
            removed.State = StatusObjects.Waiting(ContainerReasons.RestartingAllContainers, ContainerReasons.RestartAllRemovedMessage);
            removed.LastState = StatusObjects.Terminated(
                LostContainer.Termination(ContainerReasons.RestartingAllContainers, ContainerReasons.RestartAllRemovedMessage));
            // A container the runtime lost during this cycle was already counted with a RestartingAllContainers
            // termination (RuntimeStatusConverter); counting its removal too would break "+1 once per cycle" (docs/lifecycle.md §D5).
            var counted = old.State?.Terminated?.Reason == ContainerReasons.RestartingAllContainers;
            removed.RestartCount = counted ? old.RestartCount : old.RestartCount + 1;
            return removed;
        }

        var wasRunning = old.State?.Terminated is null && old.State?.Running is not null;
        if (!wasRunning || !IsDefaultWaiting(ctx, status) || StatusObjects.LastTerminated(status) is not null)
        {
            return status;
        }

        var lost = StatusObjects.Copy(status);
        lost.LastState = StatusObjects.Terminated(LostContainer.Termination(ContainerReasons.ContainerStatusUnknown, LostContainer.WhenDeletedMessage));
        if (ctx.Pod.Metadata?.DeletionTimestamp is null)
        {
            lost.RestartCount++;
        }

        return lost;
    }

    /// <summary>The newest instance of each container becomes its status, the second newest its lastState.</summary>
    private static void ApplyRuntimeInstances(
        ContainerStatusContext ctx, IList<V1Container> containers, Dictionary<string, V1ContainerStatus> old, Dictionary<string, V1ContainerStatus> statuses)
    {
        var seen = new Dictionary<string, int>();
        foreach (var instance in ctx.Runtime.Containers.OrderByDescending(c => c.CreatedAt))
        {
            var count = seen.GetValueOrDefault(instance.Name);
            if (!statuses.ContainsKey(instance.Name) || count >= 2)
            {
                continue;
            }

            var spec = containers.First(c => c.Name == instance.Name);
            var converted = RuntimeStatusConverter.Convert(ctx, spec, instance, old.GetValueOrDefault(instance.Name));
            if (count == 0)
            {
                statuses[instance.Name] = converted;
            }
            else
            {
                var newest = StatusObjects.Copy(statuses[instance.Name]);
                newest.LastState = converted.State;
                statuses[instance.Name] = newest;
            }

            seen[instance.Name] = count + 1;
        }
    }

    /// <summary>
    /// A container that will be restarted and has a recorded start failure shows it as waiting (CrashLoopBackOff,
    /// RunContainerError, ...), its termination moving to lastState. A completed init container is left alone.
    /// </summary>
    private static V1ContainerStatus ApplyStartFailure(ContainerStatusContext ctx, V1Container c, V1ContainerStatus status, bool isInit)
    {
        if (isInit)
        {
            var newest = ctx.Runtime.FindContainerStatusByName(c.Name);
            if (newest is { State: RuntimeContainerState.Exited, ExitCode: 0 })
            {
                return status;
            }

            if (InitStatusLost(ctx, c, newest, status))
            {
                var completed = StatusObjects.Copy(status);
                completed.State = StatusObjects.Terminated(new V1ContainerStateTerminated
                {
                    ExitCode = 0,
                    Reason = ContainerReasons.Completed,
                    Message = InitStatusLostMessage,
                });
                return completed;
            }
        }

        if (!RestartDecider.ShouldContainerBeRestarted(c, ctx.Pod, ctx.Runtime, ctx.Gates)
            || !ctx.ReasonCache.TryGetValue(c.Name, out var failure))
        {
            return status;
        }

        var waiting = StatusObjects.Copy(status);
        if (status.State?.Terminated is not null)
        {
            waiting.LastState = status.State;
        }

        waiting.State = StatusObjects.Waiting(failure.Reason, failure.Message);
        return waiting;
    }

    /// <summary>
    /// Upstream infers that a regular init container without a runtime instance completed once a regular container
    /// exists. Podvisor skips the inference while RestartAllContainers removes containers: regular sources are
    /// removed after init targets, and treating the removed init container as completed would count it twice (docs/lifecycle.md §D5).
    /// </summary>
    private static bool InitStatusLost(ContainerStatusContext ctx, V1Container c, RuntimeContainerStatus? newest, V1ContainerStatus status) =>
        newest is null
        && !ctx.RestartingAll
        && !c.IsSidecar()
        && status.State?.Waiting is not null
        && HasAnyRegularContainerCreated(ctx.Pod.Spec, ctx.Runtime);

    /// <summary>Mirrors kuberuntime HasAnyRegularContainerCreated: some regular container's newest instance is Created, Running or Exited.</summary>
    public static bool HasAnyRegularContainerCreated(V1PodSpec spec, RuntimePodStatus runtime) =>
        spec.ContainersOrEmpty().Any(c => runtime.FindContainerStatusByName(c.Name) is { State: not RuntimeContainerState.Unknown });
}
