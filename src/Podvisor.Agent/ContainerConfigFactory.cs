using System.Globalization;
using k8s.Models;
using Podvisor.Agent.Probes;
using Podvisor.Core.Model;
using Podvisor.Node.Abstractions;
using Podvisor.Runtime;

namespace Podvisor.Agent;

/// <summary>A container config could not be generated (kubelet CreateContainerConfigError).</summary>
public sealed class ContainerConfigException(string message) : Exception(message);

/// <summary>
/// Mirrors kubelet generateContainerConfig for the process runtime: env from ConfigMaps, Secrets, fieldRef and
/// $(VAR) expansion (makeEnvironmentVariables), command/args expansion (ExpandContainerCommandAndArgs), with the log path and restart count
/// <see cref="Logs.ContainerLogManager"/> chose.
/// </summary>
public static class ContainerConfigFactory
{
    public static ContainerConfig Create(
        V1Pod pod, V1Container container, ContainerKind kind, int restartCount, string logPath, string? podIp, AgentOptions options, IConfigObjects objects)
    {
        var env = ResolveEnv(pod, container, podIp, options, objects);
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
            Security = new ContainerSecurity
            {
                Privileged = security?.Privileged == true,
                AddCapabilities = [.. security?.Capabilities?.Add ?? []],
                DropCapabilities = [.. security?.Capabilities?.Drop ?? []],
                NoNewPrivileges = security?.AllowPrivilegeEscalation == false, // kubelet AddNoNewPrivileges
                ReadOnlyRootFilesystem = security?.ReadOnlyRootFilesystem == true,
            },
            StopSignal = container.Lifecycle?.StopSignal,
            TerminationMessagePath = string.IsNullOrEmpty(container.TerminationMessagePath) ? "/dev/termination-log" : container.TerminationMessagePath,
            TerminationMessagePolicy = string.IsNullOrEmpty(container.TerminationMessagePolicy) ? "File" : container.TerminationMessagePolicy,
            LogPath = logPath,
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
    /// Mirrors makeEnvironmentVariables: envFrom sources first (later ones win, keys prefixed), then env in spec
    /// order overriding them; <c>$(NAME)</c> in a value expands to envFrom variables and earlier env. A missing
    /// non-optional ConfigMap, Secret or key throws the kubelet's error (CreateContainerConfigError).
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ResolveEnv(
        V1Pod pod, V1Container container, string? podIp, AgentOptions options, IConfigObjects objects)
    {
        var sources = new EnvSources(pod.Metadata.NamespaceProperty ?? "default", objects);
        var serviceEnv = KubernetesServiceEnv(options.KubernetesService);
        var defined = new Dictionary<string, string>(StringComparer.Ordinal);
        var lookup = new Dictionary<string, string>(serviceEnv, StringComparer.Ordinal); // $(VAR) sees defined, then service variables
        var order = new List<string>();
        void Define(string name, string value)
        {
            if (!defined.ContainsKey(name))
            {
                order.Add(name);
            }

            defined[name] = value;
            lookup[name] = value;
        }

        foreach (var envFrom in container.EnvFrom ?? [])
        {
            foreach (var (key, value) in sources.EnvFrom(envFrom).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                Define((envFrom.Prefix ?? "") + key, value);
            }
        }

        foreach (var e in container.Env ?? [])
        {
            if (!string.IsNullOrEmpty(e.Value) || e.ValueFrom is null)
            {
                Define(e.Name, CommandExpansion.Expand(e.Value ?? "", lookup));
            }
            else if (ValueFrom(pod, container, e, podIp, options, sources) is { } value)
            {
                Define(e.Name, value);
            }
        }

        return order.Select(name => new KeyValuePair<string, string>(name, defined[name]))
            .Concat(serviceEnv.Where(kv => !defined.ContainsKey(kv.Key)))
            .ToList();
    }

    /// <summary>
    /// The variables of the <c>kubernetes</c> service every pod gets (envvars.FromServices for the master service,
    /// which the kubelet adds whatever <c>enableServiceLinks</c> says); none without an API reachable from pods.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> KubernetesServiceEnv(System.Net.IPEndPoint? service)
    {
        if (service is null)
        {
            return [];
        }

        var host = service.Address.ToString();
        var port = service.Port.ToString(CultureInfo.InvariantCulture);
        var url = $"tcp://{(service.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{host}]" : host)}:{port}";
        var prefix = $"KUBERNETES_PORT_{port}_TCP";
        return
        [
            new("KUBERNETES_SERVICE_HOST", host),
            new("KUBERNETES_SERVICE_PORT", port),
            new("KUBERNETES_SERVICE_PORT_HTTPS", port),
            new("KUBERNETES_PORT", url),
            new(prefix, url),
            new(prefix + "_PROTO", "tcp"),
            new(prefix + "_PORT", port),
            new(prefix + "_ADDR", host),
        ];
    }

    /// <summary>A valueFrom source's value; null when an optional ConfigMap, Secret or key is missing (the variable is left out).</summary>
    private static string? ValueFrom(V1Pod pod, V1Container container, V1EnvVar e, string? podIp, AgentOptions options, EnvSources sources)
    {
        if (e.ValueFrom.FieldRef is { } fieldRef)
        {
            return FieldValue(pod, fieldRef.FieldPath, podIp, options)
                ?? throw new ContainerConfigException($"unsupported fieldPath: {fieldRef.FieldPath}");
        }

        if (e.ValueFrom.ResourceFieldRef is { } resourceRef)
        {
            return ResourceFieldValue(pod, container, resourceRef, options.Resources);
        }

        if (e.ValueFrom.ConfigMapKeyRef is { } configMapKey)
        {
            return sources.ConfigMapKey(configMapKey);
        }

        if (e.ValueFrom.SecretKeyRef is { } secretKey)
        {
            return sources.SecretKey(secretKey);
        }

        throw new ContainerConfigException($"env {e.Name}: no value source");
    }

    /// <summary>
    /// Mirrors containerResourceRuntimeValue with defaultPodLimitsForDownwardAPI: the container's (or the named
    /// container's) limit or request in units of the divisor (default 1), rounded up; an unset limit is the node's
    /// allocatable amount, an unset request 0.
    /// </summary>
    public static string ResourceFieldValue(V1Pod pod, V1Container self, V1ResourceFieldSelector selector, NodeResources node)
    {
        var container = string.IsNullOrEmpty(selector.ContainerName)
            ? self
            : pod.Spec.ContainersOrEmpty().Concat(pod.Spec.InitContainersOrEmpty()).FirstOrDefault(c => c.Name == selector.ContainerName)
                ?? throw new ContainerConfigException($"container {selector.ContainerName} not found");
        var divisor = selector.Divisor?.ToDecimal() is { } d and not 0 ? d : 1m;
        decimal? Get(IDictionary<string, ResourceQuantity>? list, string name) =>
            list?.TryGetValue(name, out var q) == true ? q.ToDecimal() : null;
        var limits = container.Resources?.Limits;
        var requests = container.Resources?.Requests;
        var (amount, milli) = selector.Resource switch
        {
            "limits.cpu" => (Get(limits, "cpu") ?? node.Cpus, true),
            "limits.memory" => (Get(limits, "memory") ?? node.AllocatableMemoryBytes, false),
            "limits.ephemeral-storage" => (Get(limits, "ephemeral-storage") ?? node.AllocatableEphemeralStorageBytes, false),
            "requests.cpu" => (Get(requests, "cpu") ?? 0, true),
            "requests.memory" => (Get(requests, "memory") ?? 0, false),
            "requests.ephemeral-storage" => (Get(requests, "ephemeral-storage") ?? 0, false),
            _ => throw new ContainerConfigException($"unsupported container resource : {selector.Resource}"),
        };

        // cpu compares MilliValues, the rest Values (both rounded up, as resource.Quantity does).
        var (value, unit) = milli ? (Math.Ceiling(amount * 1000), Math.Ceiling(divisor * 1000)) : (Math.Ceiling(amount), Math.Ceiling(divisor));
        return ((long)Math.Ceiling(value / unit)).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The ConfigMaps and Secrets of one env resolution, each read once (makeEnvironmentVariables' maps).</summary>
    private sealed class EnvSources(string ns, IConfigObjects objects)
    {
        private readonly Dictionary<string, V1ConfigMap?> _configMaps = new(StringComparer.Ordinal);
        private readonly Dictionary<string, V1Secret?> _secrets = new(StringComparer.Ordinal);

        public IEnumerable<KeyValuePair<string, string>> EnvFrom(V1EnvFromSource source)
        {
            if (source.ConfigMapRef is { } configMapRef)
            {
                return ConfigMap(configMapRef.Name, configMapRef.Optional == true)?.Data ?? new Dictionary<string, string>();
            }

            if (source.SecretRef is { } secretRef)
            {
                return (Secret(secretRef.Name, secretRef.Optional == true)?.Data ?? new Dictionary<string, byte[]>())
                    .Select(kv => new KeyValuePair<string, string>(kv.Key, Utf8(kv.Value)));
            }

            return [];
        }

        public string? ConfigMapKey(V1ConfigMapKeySelector selector)
        {
            var optional = selector.Optional == true;
            if (ConfigMap(selector.Name, optional) is not { } configMap)
            {
                return null;
            }

            return configMap.Data?.TryGetValue(selector.Key, out var value) == true ? value
                : optional ? null
                : throw new ContainerConfigException($"couldn't find key {selector.Key} in ConfigMap {ns}/{selector.Name}");
        }

        public string? SecretKey(V1SecretKeySelector selector)
        {
            var optional = selector.Optional == true;
            if (Secret(selector.Name, optional) is not { } secret)
            {
                return null;
            }

            return secret.Data?.TryGetValue(selector.Key, out var value) == true ? Utf8(value)
                : optional ? null
                : throw new ContainerConfigException($"couldn't find key {selector.Key} in Secret {ns}/{selector.Name}");
        }

        /// <summary>The ConfigMap, or null when it is missing and optional; the kubelet's error when missing and required.</summary>
        private V1ConfigMap? ConfigMap(string name, bool optional)
        {
            if (!_configMaps.TryGetValue(name, out var configMap))
            {
                _configMaps[name] = configMap = objects.GetConfigMap(ns, name);
            }

            return configMap ?? (optional ? null : throw new ContainerConfigException($"configmap \"{name}\" not found"));
        }

        private V1Secret? Secret(string name, bool optional)
        {
            if (!_secrets.TryGetValue(name, out var secret))
            {
                _secrets[name] = secret = objects.GetSecret(ns, name);
            }

            return secret ?? (optional ? null : throw new ContainerConfigException($"secret \"{name}\" not found"));
        }

        private static string Utf8(byte[] value) => System.Text.Encoding.UTF8.GetString(value);
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
