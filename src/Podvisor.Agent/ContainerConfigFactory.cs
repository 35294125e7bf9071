using System.Globalization;
using k8s.Models;
using Podvisor.Agent.Probes;
using Podvisor.Core.Model;
using Podvisor.Runtime;

namespace Podvisor.Agent;

/// <summary>A container config could not be generated (kubelet CreateContainerConfigError).</summary>
public sealed class ContainerConfigException(string message) : Exception(message);

/// <summary>
/// Mirrors kubelet generateContainerConfig for the process runtime: env with fieldRef and $(VAR) expansion
/// (makeEnvironmentVariables), command/args expansion (ExpandContainerCommandAndArgs), log path and restart count.
/// </summary>
public static class ContainerConfigFactory
{
    public static ContainerConfig Create(
        V1Pod pod, V1Container container, ContainerKind kind, int restartCount, string? podIp, AgentOptions options)
    {
        var env = ResolveEnv(pod, container, podIp, options);
        var lookup = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in env)
        {
            lookup[k] = v;
        }

        var command = (container.Command ?? []).Select(a => CommandExpansion.Expand(a, lookup)).ToList();
        var args = (container.Args ?? []).Select(a => CommandExpansion.Expand(a, lookup)).ToList();
        var security = container.SecurityContext;
        var podSecurity = pod.Spec.SecurityContext;
        return new ContainerConfig
        {
            Name = container.Name,
            Kind = kind,
            Hash = ContainerHash.Compute(container),
            RestartCount = restartCount,
            Image = container.Image ?? "",
            Argv = [.. command, .. args],
            Command = command,
            Args = args,
            Resources = Resources(container.Resources),
            Env = env,
            WorkingDir = string.IsNullOrEmpty(container.WorkingDir) ? null : container.WorkingDir,
            RunAsUser = security?.RunAsUser ?? podSecurity?.RunAsUser,
            RunAsGroup = security?.RunAsGroup ?? podSecurity?.RunAsGroup,
            StopSignal = container.Lifecycle?.StopSignal,
            TerminationMessagePath = string.IsNullOrEmpty(container.TerminationMessagePath) ? "/dev/termination-log" : container.TerminationMessagePath,
            TerminationMessagePolicy = string.IsNullOrEmpty(container.TerminationMessagePolicy) ? "File" : container.TerminationMessagePolicy,
            LogPath = LogPaths.ContainerLog(options.DataDir, pod.Metadata.NamespaceProperty ?? "default", pod.Metadata.Name, pod.Metadata.Uid, container.Name, restartCount),
        };
    }

    /// <summary>cpu in millicores rounded up and memory in bytes, as resource.Quantity MilliValue/Value.</summary>
    public static ContainerResources Resources(V1ResourceRequirements? resources)
    {
        long? Milli(IDictionary<string, ResourceQuantity>? list) =>
            list?.TryGetValue("cpu", out var q) == true ? (long)Math.Ceiling(q.ToDecimal() * 1000) : null;
        long? Bytes(IDictionary<string, ResourceQuantity>? list) =>
            list?.TryGetValue("memory", out var q) == true ? (long)Math.Ceiling(q.ToDecimal()) : null;
        return new ContainerResources
        {
            CpuRequestMilli = Milli(resources?.Requests),
            CpuLimitMilli = Milli(resources?.Limits),
            MemoryRequestBytes = Bytes(resources?.Requests),
            MemoryLimitBytes = Bytes(resources?.Limits),
        };
    }

    /// <summary>
    /// Mirrors kubelet's restart count for a new instance: the newest runtime instance's count + 1, else (instances
    /// removed, e.g. by RestartAllContainers) one more than the highest <c>N.log</c> in the container's log directory.
    /// </summary>
    public static int NextRestartCount(V1Pod pod, string containerName, RuntimePodStatus runtime, string dataDir)
    {
        if (runtime.FindContainerStatusByName(containerName) is { } newest)
        {
            return newest.RestartCount + 1;
        }

        var dir = Path.GetDirectoryName(LogPaths.ContainerLog(dataDir, pod.Metadata.NamespaceProperty ?? "default", pod.Metadata.Name, pod.Metadata.Uid, containerName, 0))!;
        if (!Directory.Exists(dir))
        {
            return 0;
        }

        var max = -1;
        foreach (var file in Directory.EnumerateFiles(dir, "*.log"))
        {
            if (int.TryParse(Path.GetFileNameWithoutExtension(file), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > max)
            {
                max = n;
            }
        }

        return max + 1;
    }

    /// <summary>Mirrors makeEnvironmentVariables: spec order, later values can reference earlier ones with $(NAME).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ResolveEnv(V1Pod pod, V1Container container, string? podIp, AgentOptions options)
    {
        if (container.EnvFrom is { Count: > 0 } envFrom && envFrom.Any(e => e.ConfigMapRef?.Optional != true && e.SecretRef?.Optional != true))
        {
            throw new ContainerConfigException("podvisor does not serve ConfigMaps or Secrets: envFrom is not supported");
        }

        var result = new List<KeyValuePair<string, string>>();
        var defined = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in container.Env ?? [])
        {
            var value = e.ValueFrom is null ? CommandExpansion.Expand(e.Value ?? "", defined) : ValueFrom(pod, e, podIp, options);
            defined[e.Name] = value;
            result.Add(new(e.Name, value));
        }

        return result;
    }

    private static string ValueFrom(V1Pod pod, V1EnvVar e, string? podIp, AgentOptions options)
    {
        if (e.ValueFrom.FieldRef is { } fieldRef)
        {
            return FieldValue(pod, fieldRef.FieldPath, podIp, options)
                ?? throw new ContainerConfigException($"unsupported fieldPath: {fieldRef.FieldPath}");
        }

        if (e.ValueFrom.ResourceFieldRef is not null)
        {
            throw new ContainerConfigException($"env {e.Name}: resourceFieldRef is not supported by podvisor");
        }

        if (e.ValueFrom.ConfigMapKeyRef?.Optional == true || e.ValueFrom.SecretKeyRef?.Optional == true)
        {
            return "";
        }

        throw new ContainerConfigException($"env {e.Name}: podvisor does not serve ConfigMaps or Secrets");
    }

    /// <summary>The downward-API fields kubelet supports for env (podFieldSelectorRuntimeValue + ExtractFieldPathAsString).</summary>
    public static string? FieldValue(V1Pod pod, string fieldPath, string? podIp, AgentOptions options) => fieldPath switch
    {
        "metadata.name" => pod.Metadata.Name,
        "metadata.namespace" => pod.Metadata.NamespaceProperty ?? "default",
        "metadata.uid" => pod.Metadata.Uid,
        "spec.nodeName" => options.NodeName,
        "spec.serviceAccountName" => pod.Spec.ServiceAccountName ?? "",
        "status.hostIP" or "status.hostIPs" => options.HostIp,
        "status.podIP" or "status.podIPs" => podIp ?? "",
        _ when TryMapKey(fieldPath, "metadata.labels", out var key) => (pod.Metadata.Labels is { } labels && labels.TryGetValue(key, out var label) ? label : ""),
        _ when TryMapKey(fieldPath, "metadata.annotations", out var key) => (pod.Metadata.Annotations is { } annotations && annotations.TryGetValue(key, out var annotation) ? annotation : ""),
        _ => null,
    };

    private static bool TryMapKey(string fieldPath, string prefix, out string key)
    {
        key = "";
        if (!fieldPath.StartsWith(prefix + "['", StringComparison.Ordinal) || !fieldPath.EndsWith("']", StringComparison.Ordinal))
        {
            return false;
        }

        key = fieldPath[(prefix.Length + 2)..^2];
        return true;
    }
}
