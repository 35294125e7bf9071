using k8s.Models;

namespace Podvisor.Core.Model;

/// <summary>The four kinds of container in a pod. A sidecar is an init container with <c>restartPolicy: Always</c>.</summary>
public enum ContainerKind
{
    Init,
    Sidecar,
    Regular,
    Ephemeral,
}

/// <summary>Container-spec helpers shared by the planner, the status generator and the agent.</summary>
public static class PodSpecExtensions
{
    public static IList<V1Container> InitContainersOrEmpty(this V1PodSpec spec) => spec.InitContainers ?? [];

    public static IList<V1Container> ContainersOrEmpty(this V1PodSpec spec) => spec.Containers ?? [];

    /// <summary>Mirrors podutil.IsRestartableInitContainer: an init container with restartPolicy Always.</summary>
    public static bool IsSidecar(this V1Container initContainer) => initContainer.RestartPolicy == RestartPolicies.Always;

    /// <summary>Every init, sidecar and regular container of the pod with its kind and index (spec order, init first).</summary>
    public static IEnumerable<(V1Container Container, ContainerKind Kind, int Index)> AllContainers(this V1PodSpec spec)
    {
        var init = spec.InitContainersOrEmpty();
        for (var i = 0; i < init.Count; i++)
        {
            yield return (init[i], init[i].IsSidecar() ? ContainerKind.Sidecar : ContainerKind.Init, i);
        }

        var regular = spec.ContainersOrEmpty();
        for (var i = 0; i < regular.Count; i++)
        {
            yield return (regular[i], ContainerKind.Regular, i);
        }
    }

    /// <summary>Finds an init or regular container by name.</summary>
    public static V1Container? FindContainer(this V1PodSpec spec, string name) =>
        spec.InitContainersOrEmpty().FirstOrDefault(c => c.Name == name) ?? spec.ContainersOrEmpty().FirstOrDefault(c => c.Name == name);

    /// <summary>spec.terminationGracePeriodSeconds with the API default of 30 s.</summary>
    public static long TerminationGracePeriodSeconds(this V1PodSpec spec) => spec.TerminationGracePeriodSeconds ?? 30;
}
