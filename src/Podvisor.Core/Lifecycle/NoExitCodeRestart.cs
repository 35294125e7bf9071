using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Core.Lifecycle;

/// <summary>
/// Restart decisions the kubelet makes when there is no exit code to match rules against: a running container killed
/// for a probe failure, or an instance in Unknown state (docs/lifecycle.md §4.2, computePodActions and computeInitContainerActions).
/// </summary>
internal static class NoExitCodeRestart
{
    /// <summary>Mirrors kubelet shouldRestartOnFailure: the pod restartPolicy is not Never.</summary>
    public static bool PodRestartsOnFailure(V1PodSpec spec) => spec.EffectiveRestartPolicy() != PodSpecExtensions.RestartPolicyNever;

    /// <summary>
    /// "For probe failures, use container-level restart policy only": with ContainerRestartRules a set container policy
    /// decides (anything but Never restarts), else the pod policy.
    /// </summary>
    public static bool ShouldRestart(V1Container container, V1PodSpec spec, FeatureGates gates) =>
        gates.ContainerRestartRules && container.RestartPolicy is { } policy
            ? policy != PodSpecExtensions.RestartPolicyNever
            : PodRestartsOnFailure(spec);
}
