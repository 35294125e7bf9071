using k8s.Models;

namespace Podvisor.Core.Model;

/// <summary>
/// How the kubelet records a container it can no longer see (docs/lifecycle.md §10.3): exit 137 (128 + SIGKILL), reason
/// ContainerStatusUnknown and one of two messages. A container a RestartAllContainers cycle removed gets the same exit code
/// (§D5). Mirrors convertToAPIContainerStatuses in pkg/kubelet/kubelet_pods.go.
/// </summary>
public static class LostContainer
{
    /// <summary>SIGKILL's exit code: "we killed it", whatever the container would have exited with.</summary>
    public const int ExitCode = 137;

    /// <summary>The message for a container that vanished while the API said Running.</summary>
    public const string WhenTerminatedMessage = "The container could not be located when the pod was terminated";

    /// <summary>The message for a Running container that vanished from a pod being deleted.</summary>
    public const string WhenDeletedMessage = "The container could not be located when the pod was deleted.  The container used to be Running";

    /// <summary>A termination with <see cref="ExitCode"/>, <paramref name="reason"/> and <paramref name="message"/> (no start or finish time).</summary>
    public static V1ContainerStateTerminated Termination(string reason, string message) =>
        new() { ExitCode = ExitCode, Reason = reason, Message = message };
}
