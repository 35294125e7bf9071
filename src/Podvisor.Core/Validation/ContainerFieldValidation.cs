using k8s.Models;

namespace Podvisor.Core.Validation;

/// <summary>
/// Per-container field checks: ports, env and host-port conflicts. Mirrors validation.go validateContainerPorts,
/// ValidateEnv, validateEnvVarValueFrom, validateObjectFieldSelector and AccumulateUniqueHostPorts.
/// </summary>
public static class ContainerFieldValidation
{
    /// <summary>sets.List order of supportedPortProtocols.</summary>
    private static readonly string[] SupportedPortProtocols = ["SCTP", "TCP", "UDP"];

    /// <summary>The downward API fields an env var may reference (sorted, as sets.List prints them).</summary>
    private static readonly string[] ValidEnvFieldPaths =
    [
        "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
        "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
    ];

    /// <summary>Field labels the v1 conversion knows (ConvertDownwardAPIFieldLabel).</summary>
    private static readonly string[] ConvertibleFieldLabels =
    [
        .. ValidEnvFieldPaths, "metadata.annotations", "metadata.labels", "spec.restartPolicy", "spec.schedulerName", "status.phase",
    ];

    private static readonly string[] ValidResourceFields =
        ["limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory"];

    /// <summary>Mirrors validateContainerPorts.</summary>
    public static IEnumerable<FieldError> ValidatePorts(IList<V1ContainerPort>? ports, FieldPath path)
    {
        var errs = new List<FieldError>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (ports?.Count ?? 0); i++)
        {
            var port = ports![i];
            var idxPath = path.Index(i);
            if (!string.IsNullOrEmpty(port.Name))
            {
                var msgs = NameValidation.IsValidPortName(port.Name);
                if (msgs.Count > 0)
                {
                    errs.AddRange(msgs.Select(m => FieldError.Invalid(idxPath.Child("name"), port.Name, m)));
                }
                else if (!names.Add(port.Name))
                {
                    errs.Add(FieldError.Duplicate(idxPath.Child("name"), port.Name));
                }
            }

            if (port.ContainerPort == 0)
            {
                errs.Add(FieldError.Required(idxPath.Child("containerPort")));
            }
            else
            {
                errs.AddRange(NameValidation.IsValidPortNum(port.ContainerPort).Select(m => FieldError.Invalid(idxPath.Child("containerPort"), port.ContainerPort, m)));
            }

            if (port.HostPort is { } hostPort and not 0)
            {
                errs.AddRange(NameValidation.IsValidPortNum(hostPort).Select(m => FieldError.Invalid(idxPath.Child("hostPort"), hostPort, m)));
            }

            if (string.IsNullOrEmpty(port.Protocol))
            {
                errs.Add(FieldError.Required(idxPath.Child("protocol")));
            }
            else if (!SupportedPortProtocols.Contains(port.Protocol))
            {
                errs.Add(FieldError.NotSupported(idxPath.Child("protocol"), port.Protocol, SupportedPortProtocols));
            }
        }

        return errs;
    }

    /// <summary>
    /// Mirrors AccumulateUniqueHostPorts: a protocol/hostIP/hostPort triple may appear once across the given containers.
    /// </summary>
    public static IEnumerable<FieldError> CheckHostPortConflicts(IReadOnlyList<V1Container> containers, FieldPath path)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var ci = 0; ci < containers.Count; ci++)
        {
            var ports = containers[ci].Ports ?? [];
            for (var pi = 0; pi < ports.Count; pi++)
            {
                if (ports[pi].HostPort is not { } hostPort || hostPort == 0)
                {
                    continue;
                }

                var key = $"{ports[pi].Protocol}/{ports[pi].HostIP}/{hostPort}";
                if (!seen.Add(key))
                {
                    yield return FieldError.Duplicate(path.Index(ci).Child("ports").Index(pi).Child("hostPort"), key);
                }
            }
        }
    }

    /// <summary>Mirrors ValidateEnv with relaxed env var names (GA).</summary>
    public static IEnumerable<FieldError> ValidateEnv(IList<V1EnvVar>? env, FieldPath path)
    {
        var errs = new List<FieldError>();
        for (var i = 0; i < (env?.Count ?? 0); i++)
        {
            var ev = env![i];
            var idxPath = path.Index(i);
            if (string.IsNullOrEmpty(ev.Name))
            {
                errs.Add(FieldError.Required(idxPath.Child("name")));
            }
            else
            {
                errs.AddRange(NameValidation.IsRelaxedEnvVarName(ev.Name).Select(m => FieldError.Invalid(idxPath.Child("name"), ev.Name, m)));
            }

            errs.AddRange(ValidateValueFrom(ev, idxPath.Child("valueFrom")));
        }

        return errs;
    }

    private static List<FieldError> ValidateValueFrom(V1EnvVar ev, FieldPath path)
    {
        var from = ev.ValueFrom;
        if (from is null)
        {
            return [];
        }

        var errs = new List<FieldError>();
        var sources = new object?[] { from.FieldRef, from.ResourceFieldRef, from.ConfigMapKeyRef, from.SecretKeyRef, from.FileKeyRef }
            .Count(s => s is not null);
        if (from.FieldRef is not null)
        {
            errs.AddRange(ValidateFieldRef(from.FieldRef, path.Child("fieldRef"), ValidEnvFieldPaths));
        }

        if (from.ResourceFieldRef is not null)
        {
            errs.AddRange(ValidateResourceFieldRef(from.ResourceFieldRef, path.Child("resourceFieldRef")));
        }

        if (sources == 0)
        {
            errs.Add(FieldError.Invalid(path, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
        }
        else if (!string.IsNullOrEmpty(ev.Value))
        {
            errs.Add(FieldError.Invalid(path, "", "may not be specified when `value` is not empty"));
        }
        else if (sources > 1)
        {
            errs.Add(FieldError.Invalid(path, "", "may not have more than one field specified at a time"));
        }

        return errs;
    }

    /// <summary>
    /// Mirrors validateObjectFieldSelector with ConvertDownwardAPIFieldLabel for v1 pods; <paramref name="validPaths"/>
    /// are env's or a downwardAPI volume's expressions.
    /// </summary>
    internal static IEnumerable<FieldError> ValidateFieldRef(V1ObjectFieldSelector fs, FieldPath path, IReadOnlyList<string> validPaths)
    {
        if (string.IsNullOrEmpty(fs.ApiVersion))
        {
            return [FieldError.Required(path.Child("apiVersion"))];
        }

        if (string.IsNullOrEmpty(fs.FieldPath))
        {
            return [FieldError.Required(path.Child("fieldPath"))];
        }

        var fieldPath = fs.FieldPath == "spec.host" ? "spec.nodeName" : fs.FieldPath;
        var subscript = SplitSubscript(fieldPath);
        var conversionError = fs.ApiVersion != "v1" ? $"unsupported pod version: {fs.ApiVersion}"
            : subscript is { Path: not ("metadata.annotations" or "metadata.labels") } ? $"field label does not support subscript: {fieldPath}"
            : subscript is null && !ConvertibleFieldLabels.Contains(fieldPath) ? $"field label not supported: {fieldPath}"
            : null;
        if (conversionError is not null)
        {
            return [FieldError.Invalid(path.Child("fieldPath"), fs.FieldPath, $"error converting fieldPath: {conversionError}")];
        }

        if (subscript is { } s)
        {
            var key = s.Path == "metadata.annotations" ? s.Key.ToLowerInvariant() : s.Key;
            return NameValidation.IsQualifiedName(key).Select(m => FieldError.Invalid(path, key, m));
        }

        return validPaths.Contains(fieldPath) ? [] : [FieldError.NotSupported(path.Child("fieldPath"), fieldPath, validPaths)];
    }

    internal static IEnumerable<FieldError> ValidateResourceFieldRef(V1ResourceFieldSelector fs, FieldPath path)
    {
        if (string.IsNullOrEmpty(fs.Resource))
        {
            return [FieldError.Required(path.Child("resource"))];
        }

        var hugePages = fs.Resource.StartsWith("limits.hugepages-", StringComparison.Ordinal)
            || fs.Resource.StartsWith("requests.hugepages-", StringComparison.Ordinal);
        return ValidResourceFields.Contains(fs.Resource) || hugePages
            ? []
            : [FieldError.NotSupported(path.Child("resource"), fs.Resource, ValidResourceFields)];
    }

    /// <summary>Mirrors fieldpath.SplitMaybeSubscriptedPath: <c>metadata.labels['key']</c>.</summary>
    private static (string Path, string Key)? SplitSubscript(string fieldPath)
    {
        if (!fieldPath.EndsWith("']", StringComparison.Ordinal))
        {
            return null;
        }

        var open = fieldPath.IndexOf("['", StringComparison.Ordinal);
        return open < 0 ? null : (fieldPath[..open], fieldPath[(open + 2)..^2]);
    }
}
