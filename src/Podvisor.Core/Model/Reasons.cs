namespace Podvisor.Core.Model;

/// <summary>Container state reasons, exactly as the kubelet and CRI runtimes report them.</summary>
public static class ContainerReasons
{
    public const string ContainerCreating = "ContainerCreating";
    public const string PodInitializing = "PodInitializing";
    public const string CrashLoopBackOff = "CrashLoopBackOff";
    public const string RunContainerError = "RunContainerError";
    public const string CreateContainerError = "CreateContainerError";
    public const string CreateContainerConfigError = "CreateContainerConfigError";
    public const string ContainerStatusUnknown = "ContainerStatusUnknown";
    public const string RestartingAllContainers = "RestartingAllContainers";
    public const string Completed = "Completed";
    public const string Error = "Error";
    public const string OOMKilled = "OOMKilled";

    /// <summary>Image manager errors (kubelet images/types.go), reported as waiting reasons.</summary>
    public const string ErrImagePull = "ErrImagePull";
    public const string ImagePullBackOff = "ImagePullBackOff";
    public const string ErrImageNeverPull = "ErrImageNeverPull";
    public const string InvalidImageName = "InvalidImageName";
    public const string ImageInspectError = "ImageInspectError";

    /// <summary>docs/lifecycle.md §D5: message on containers removed by a RestartAllContainers cycle.</summary>
    public const string RestartAllRemovedMessage = "The container is removed because RestartAllContainers in place";
}

/// <summary>Pod condition types and reasons (docs/lifecycle.md §8, §6.2).</summary>
public static class PodConditions
{
    public const string PodScheduled = "PodScheduled";
    public const string PodReadyToStartContainers = "PodReadyToStartContainers";
    public const string Initialized = "Initialized";
    public const string ContainersReady = "ContainersReady";
    public const string Ready = "Ready";
    public const string AllContainersRestarting = "AllContainersRestarting";
    public const string DisruptionTarget = "DisruptionTarget";

    public const string PodSandboxNotReady = "PodSandboxNotReady";
    public const string UnknownContainerStatuses = "UnknownContainerStatuses";
    public const string PodCompleted = "PodCompleted";
    public const string PodFailed = "PodFailed";
    public const string ContainersNotInitialized = "ContainersNotInitialized";
    public const string ContainersNotReady = "ContainersNotReady";
    public const string ReadinessGatesNotReady = "ReadinessGatesNotReady";
    public const string RestartAllContainersStarted = "RestartAllContainersStarted";
    public const string RestartAllContainersMessage = "container exited with restart policy rule";

    /// <summary>Condition types the kubelet owns (status_manager: PodConditionByKubelet); others are preserved verbatim.</summary>
    public static readonly IReadOnlySet<string> OwnedByKubelet = new HashSet<string>
    {
        PodScheduled, PodReadyToStartContainers, Initialized, ContainersReady, Ready, AllContainersRestarting,
    };

    /// <summary>The status carries AllContainersRestarting=True: a RestartAllContainers cycle is in progress (docs/lifecycle.md §6.2).</summary>
    public static bool IsRestartingAll(k8s.Models.V1PodStatus? status) =>
        status?.Conditions?.Any(c => c.Type == AllContainersRestarting && c.Status == "True") == true;
}

/// <summary>Pod phases.</summary>
public static class PodPhases
{
    public const string Pending = "Pending";
    public const string Running = "Running";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";

    public static bool IsTerminal(string? phase) => phase is Succeeded or Failed;
}

/// <summary>Event reasons (docs/lifecycle.md §12, §D12), kubelet's events package.</summary>
public static class EventReasons
{
    public const string Scheduled = "Scheduled";
    public const string Created = "Created";
    public const string Started = "Started";
    public const string Pulling = "Pulling";
    public const string Pulled = "Pulled";
    public const string InspectFailed = "InspectFailed";
    public const string ErrImageNeverPull = "ErrImageNeverPull";
    public const string Killing = "Killing";
    public const string BackOff = "BackOff";
    public const string Unhealthy = "Unhealthy";
    public const string Failed = "Failed";
    public const string FailedPreStopHook = "FailedPreStopHook";
    public const string FailedPostStartHook = "FailedPostStartHook";
    public const string SandboxChanged = "SandboxChanged";
    public const string FailedCreatePodSandBox = "FailedCreatePodSandBox";
    public const string FailedMount = "FailedMount";
    public const string ProbeWarning = "ProbeWarning";

    /// <summary>docs/lifecycle.md §D12: one Normal event per RestartAllContainers cycle.</summary>
    public const string RestartAllContainers = "RestartAllContainers";
}
