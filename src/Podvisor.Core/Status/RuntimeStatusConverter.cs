using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Core.Status;

/// <summary>
/// Mirrors the convertContainerStatus closure of kubelet convertToAPIContainerStatuses: one runtime instance to one API
/// container status, with the RestartAllContainersOnContainerExits rules that keep restartCount monotonic and carry
/// lastState across removed instances (docs/lifecycle.md §6.6, §D5).
/// </summary>
internal static class RuntimeStatusConverter
{
    public static V1ContainerStatus Convert(ContainerStatusContext ctx, V1Container spec, RuntimeContainerStatus cs, V1ContainerStatus? old)
    {
        var status = new V1ContainerStatus
        {
            Name = cs.Name,
            RestartCount = cs.RestartCount,
            Image = string.IsNullOrEmpty(cs.Image) ? spec.Image ?? "" : cs.Image,
            // convertToAPIContainerStatuses: the digested image ref, historically, not the image ID.
            ImageID = cs.ImageRef,
            ContainerID = cs.ContainerId,
            LastState = StatusObjects.Empty(),
            // Volume mounts are immutable: kubelet copies them from the old status; the spec gives the same list.
            VolumeMounts = old?.VolumeMounts ?? ContainerStatusBuilder.VolumeMountStatuses(spec),
            // InPlacePodVerticalScaling: the allocated (spec) resources; the process runtime reports no live values.
            Resources = new V1ResourceRequirements { Limits = spec.Resources?.Limits, Requests = spec.Resources?.Requests },
            AllocatedResources = spec.Resources?.Requests is { Count: > 0 } requests ? requests : null,
        };
        if (old is not null && ctx.Gates.RestartAllContainersOnContainerExits)
        {
            CarryOver(status, old);
        }

        (status.State, status.RestartCount) = ConvertState(ctx, cs, old, status.RestartCount);
        return status;
    }

    /// <summary>
    /// Never report fewer restarts than the API did; RestartAllContainers removes old instances, so the last
    /// termination is propagated from the old status when the container ID changed.
    /// </summary>
    private static void CarryOver(V1ContainerStatus status, V1ContainerStatus old)
    {
        status.RestartCount = Math.Max(status.RestartCount, old.RestartCount);
        if (old.ContainerID != status.ContainerID && old.State?.Terminated is { } terminated)
        {
            status.LastState = StatusObjects.Terminated(terminated);
        }
        else if (StatusObjects.LastTerminated(old) is { } lastTerminated)
        {
            status.LastState = StatusObjects.Terminated(lastTerminated);
        }
    }

    private static (V1ContainerState State, int RestartCount) ConvertState(
        ContainerStatusContext ctx, RuntimeContainerStatus cs, V1ContainerStatus? old, int restartCount)
    {
        switch (cs.State)
        {
            case RuntimeContainerState.Running:
                var running = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = StatusObjects.ApiTime(cs.StartedAt) } };
                var restarted = ctx.Gates.RestartAllContainersOnContainerExits
                    && old?.State?.Terminated is not null
                    && old.RestartCount >= cs.RestartCount;
                return (running, restarted ? old!.RestartCount + 1 : restartCount);
            case RuntimeContainerState.Exited:
                return (StatusObjects.Terminated(Terminated(cs)), restartCount);
            case RuntimeContainerState.Unknown when old?.State?.Running is not null:
                // The container was Running and the runtime lost it: "container ran and failed", not "never ran".
                var lost = LostContainer.Termination(
                    ctx.RestartingAll ? ContainerReasons.RestartingAllContainers : ContainerReasons.ContainerStatusUnknown,
                    LostContainer.WhenTerminatedMessage);
                return (StatusObjects.Terminated(lost), old.RestartCount + 1);
            default:
                // Created ("waiting to be running"), or Unknown without a previous Running state.
                return (StatusObjects.Waiting(), restartCount);
        }
    }

    /// <summary>docs/lifecycle.md §10.3: exit code, reason and message as the runtime reports them (Completed/Error when it gave none).</summary>
    private static V1ContainerStateTerminated Terminated(RuntimeContainerStatus cs) => new()
    {
        ExitCode = cs.ExitCode,
        Reason = cs.Reason ?? (cs.ExitCode == 0 ? ContainerReasons.Completed : ContainerReasons.Error),
        Message = string.IsNullOrEmpty(cs.Message) ? null : cs.Message,
        StartedAt = StatusObjects.ApiTime(cs.StartedAt),
        FinishedAt = StatusObjects.ApiTime(cs.FinishedAt),
        ContainerID = cs.ContainerId,
    };
}
