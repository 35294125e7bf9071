using k8s.Models;
using Podvisor.Api.Http;

namespace Podvisor.Api.Logs;

/// <summary>The apiserver's part of a log request (pkg/registry/core/pod/strategy.go LogLocation): which container it names.</summary>
internal static class LogLocation
{
    /// <summary>Mirrors pod LogLocation: the only container by default, else the name must be given and exist.</summary>
    public static (string? Name, ApiError? Error) ContainerName(V1Pod pod, string requested)
    {
        var name = pod.Metadata.Name;
        var containers = pod.Spec?.Containers ?? [];
        var init = pod.Spec?.InitContainers ?? [];
        if (requested.Length > 0)
        {
            return containers.Concat(init).Any(c => c.Name == requested)
                ? (requested, null)
                : (null, ApiError.BadRequest($"container {requested} is not valid for pod {name}"));
        }

        return containers.Count switch
        {
            1 => (containers[0].Name, null),
            0 => (null, ApiError.BadRequest($"a container name must be specified for pod {name}")),
            _ => (null, ApiError.BadRequest($"a container name must be specified for pod {name}, choose one of: [{string.Join(" ", containers.Select(c => c.Name))}]"
                + (init.Count > 0 ? $" or one of the init containers: [{string.Join(" ", init.Select(c => c.Name))}]" : ""))),
        };
    }
}
