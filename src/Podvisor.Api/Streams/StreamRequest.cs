using k8s.Models;
using Microsoft.Extensions.Primitives;
using Podvisor.Api.Http;

namespace Podvisor.Api.Streams;

/// <summary>PodExecOptions / PodAttachOptions from the query (<c>command</c> repeated, <c>container</c>, <c>stdin</c> ...).</summary>
internal sealed record ExecOptions(string Container, IReadOnlyList<string> Command, bool Stdin, bool Stdout, bool Stderr, bool Tty)
{
    /// <summary>
    /// Parses and validates as the apiserver does before it proxies (registry/core/pod/strategy.go streamLocation, and
    /// the kubelet's remotecommand NewOptions): the container is defaulted only when the pod has exactly one.
    /// </summary>
    public static (ExecOptions? Options, ApiError? Error) From(IQueryCollection query, V1Pod pod, bool requireCommand)
    {
        var tty = Flag(query["tty"]);
        var options = new ExecOptions(query["container"].ToString(), query["command"].Where(c => c is not null).Select(c => c!).ToList(),
            Flag(query["stdin"]), Flag(query["stdout"]), Flag(query["stderr"]) && !tty, tty);
        if (requireCommand && options.Command.Count == 0)
        {
            return (null, ApiError.BadRequest("you must specify at least one command for the container"));
        }

        if (!options.Stdin && !options.Stdout && !Flag(query["stderr"]))
        {
            return (null, ApiError.BadRequest("you must specify at least 1 of stdin, stdout, stderr"));
        }

        var (container, error) = ResolveContainer(pod, options.Container);
        return error is null ? (options with { Container = container! }, null) : (null, error);
    }

    /// <summary>streamLocation's container defaulting and its exact messages.</summary>
    public static (string? Container, ApiError? Error) ResolveContainer(V1Pod pod, string container)
    {
        var name = pod.Metadata.Name;
        var containers = pod.Spec.Containers ?? [];
        var inits = pod.Spec.InitContainers ?? [];
        if (container.Length == 0)
        {
            switch (containers.Count)
            {
                case 1:
                    return (containers[0].Name, null);
                case 0:
                    return (null, ApiError.BadRequest($"a container name must be specified for pod {name}"));
                default:
                    var message = $"a container name must be specified for pod {name}, choose one of: [{string.Join(' ', containers.Select(c => c.Name))}]";
                    if (inits.Count > 0)
                    {
                        message += $" or one of the init containers: [{string.Join(' ', inits.Select(c => c.Name))}]";
                    }

                    return (null, ApiError.BadRequest(message));
            }
        }

        var known = containers.Any(c => c.Name == container) || inits.Any(c => c.Name == container)
            || (pod.Spec.EphemeralContainers ?? []).Any(c => c.Name == container);
        return known ? (container, null) : (null, ApiError.BadRequest($"container {container} is not valid for pod {name}"));
    }

    /// <summary>Go strconv.ParseBool's true forms, as the query parameter codec accepts them.</summary>
    private static bool Flag(StringValues value) => value.ToString() is "1" or "t" or "T" or "true" or "TRUE" or "True";
}

/// <summary>The ports of a port-forward request (kubelet portforward/websocket.go parsePorts): <c>ports</c>, comma-separated or repeated.</summary>
internal static class PortForwardPorts
{
    public static (IReadOnlyList<ushort>? Ports, string? Error) Parse(IQueryCollection query)
    {
        var values = query["ports"];
        if (values.Count == 0)
        {
            return (null, "query parameter \"port\" is required");
        }

        var ports = new List<ushort>();
        foreach (var value in values)
        {
            if (string.IsNullOrEmpty(value))
            {
                return (null, "query parameter \"port\" cannot be empty");
            }

            foreach (var part in value.Split(','))
            {
                if (!ushort.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port))
                {
                    return (null, $"unable to parse \"{part}\" as a port: strconv.ParseUint: parsing \"{part}\": invalid syntax");
                }

                if (port < 1)
                {
                    return (null, $"port \"{part}\" must be > 0");
                }

                ports.Add(port);
            }
        }

        return (ports, null);
    }
}
