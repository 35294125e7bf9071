using k8s;
using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Core.Validation;

/// <summary>
/// Validation of the three container lists. Mirrors validation.go validateContainers, validateInitContainers,
/// validateEphemeralContainers, validateContainerCommon and validateContainersOnlyForPod.
/// </summary>
public static class ContainerValidation
{
    private const string SidecarOnly = "may not be set for init containers without restartPolicy=Always";
    private const string NotForEphemeral = "cannot be set for an Ephemeral Container";
    private static readonly string[] SupportedPullPolicies = [PullPolicies.Always, PullPolicies.IfNotPresent, PullPolicies.Never];
    private static readonly string[] SupportedTerminationMessagePolicies = ["File", "FallbackToLogsOnError"];

    /// <summary>Mirrors validateContainers (docs/lifecycle.md §3.3): at least one; names unique among regular containers.</summary>
    public static IEnumerable<FieldError> ValidateContainers(
        V1PodSpec spec, IReadOnlyDictionary<string, V1Volume> volumes, FieldPath path, PodValidationOptions opts)
    {
        var containers = spec.Containers ?? [];
        if (containers.Count == 0)
        {
            return [FieldError.Required(path)];
        }

        var errs = new List<FieldError>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < containers.Count; i++)
        {
            var c = containers[i];
            var idxPath = path.Index(i);
            errs.AddRange(ValidateCommon(c, volumes, idxPath));
            if (!names.Add(c.Name ?? ""))
            {
                errs.Add(FieldError.Duplicate(idxPath.Child("name"), c.Name ?? ""));
            }

            errs.AddRange(ProbeValidation.ValidateProbesAndLifecycle(c, spec.TerminationGracePeriodSeconds, idxPath));
            errs.AddRange(RestartPolicyValidation.ValidateRegularContainer(c, idxPath, opts));
        }

        errs.AddRange(ContainerFieldValidation.CheckHostPortConflicts(containers.ToList(), path));
        return errs;
    }

    /// <summary>
    /// Mirrors validateInitContainers (docs/lifecycle.md §3.2, §D3): names unique across init and regular containers; lifecycle and
    /// probes only on sidecars (restartPolicy: Always).
    /// </summary>
    public static IEnumerable<FieldError> ValidateInitContainers(
        V1PodSpec spec, IReadOnlyDictionary<string, V1Volume> volumes, FieldPath path, PodValidationOptions opts)
    {
        var errs = new List<FieldError>();
        var names = new HashSet<string>((spec.Containers ?? []).Select(c => c.Name ?? ""), StringComparer.Ordinal);
        var inits = spec.InitContainers ?? [];
        for (var i = 0; i < inits.Count; i++)
        {
            var c = inits[i];
            var idxPath = path.Index(i);
            errs.AddRange(ValidateCommon(c, volumes, idxPath));
            errs.AddRange(RestartPolicyValidation.ValidateInitContainer(c, idxPath, opts));
            if (names.Contains(c.Name ?? ""))
            {
                errs.Add(FieldError.Duplicate(idxPath.Child("name"), c.Name ?? ""));
            }
            else if (!string.IsNullOrEmpty(c.Name))
            {
                names.Add(c.Name);
            }

            errs.AddRange(ContainerFieldValidation.CheckHostPortConflicts([c], path));
            errs.AddRange(c.RestartPolicy == RestartPolicies.Always
                ? ProbeValidation.ValidateProbesAndLifecycle(c, spec.TerminationGracePeriodSeconds, idxPath)
                : ForbidSidecarOnlyFields(c, idxPath));
        }

        return errs;
    }

    private static IEnumerable<FieldError> ForbidSidecarOnlyFields(V1Container c, FieldPath path)
    {
        var set = new (string Name, object? Value)[]
        {
            ("lifecycle", c.Lifecycle), ("livenessProbe", c.LivenessProbe), ("readinessProbe", c.ReadinessProbe), ("startupProbe", c.StartupProbe),
        };
        return set.Where(f => f.Value is not null).Select(f => FieldError.Forbidden(path.Child(f.Name), SidecarOnly));
    }

    /// <summary>
    /// Mirrors validateEphemeralContainers (docs/lifecycle.md §3.4, §D10): names unique across all containers, the target must be a
    /// non-ephemeral container, and fields outside upstream's allow list are Forbidden.
    /// </summary>
    public static IEnumerable<FieldError> ValidateEphemeralContainers(
        V1PodSpec spec, IReadOnlyDictionary<string, V1Volume> volumes, FieldPath path)
    {
        var errs = new List<FieldError>();
        var others = (spec.Containers ?? []).Concat(spec.InitContainers ?? []).Select(c => c.Name ?? "").ToHashSet(StringComparer.Ordinal);
        var names = new HashSet<string>(others, StringComparer.Ordinal);
        var ephemerals = spec.EphemeralContainers ?? [];
        for (var i = 0; i < ephemerals.Count; i++)
        {
            var ec = ephemerals[i];
            var idxPath = path.Index(i);
            var asContainer = ToContainer(ec);
            errs.AddRange(ValidateCommon(asContainer, volumes, idxPath));
            errs.AddRange(ValidateImageWhitespace(asContainer, idxPath));
            if (!names.Add(ec.Name ?? ""))
            {
                errs.Add(FieldError.Duplicate(idxPath.Child("name"), ec.Name ?? ""));
            }

            if (!string.IsNullOrEmpty(ec.TargetContainerName) && !others.Contains(ec.TargetContainerName))
            {
                errs.Add(FieldError.NotFound(idxPath.Child("targetContainerName"), ec.TargetContainerName));
            }

            errs.AddRange(ForbidNonEphemeralFields(ec).Select(name => FieldError.Forbidden(idxPath.Child(name), NotForEphemeral)));
            errs.AddRange(ForbidSubPaths(ec, idxPath));
        }

        return errs;
    }

    /// <summary>The fields outside allowedEphemeralContainerFields that are set, in Go struct order.</summary>
    private static IEnumerable<string> ForbidNonEphemeralFields(V1EphemeralContainer ec)
    {
        var resources = ec.Resources;
        var fields = new (string Name, bool Set)[]
        {
            ("ports", ec.Ports is { Count: > 0 }),
            ("resources", resources is not null && (resources.Limits is { Count: > 0 } || resources.Requests is { Count: > 0 } || resources.Claims is { Count: > 0 })),
            ("resizePolicy", ec.ResizePolicy is { Count: > 0 }),
            ("restartPolicy", ec.RestartPolicy is not null),
            ("restartPolicyRules", ec.RestartPolicyRules is { Count: > 0 }),
            ("livenessProbe", ec.LivenessProbe is not null),
            ("readinessProbe", ec.ReadinessProbe is not null),
            ("startupProbe", ec.StartupProbe is not null),
            ("lifecycle", ec.Lifecycle is not null),
        };
        return fields.Where(f => f.Set).Select(f => f.Name);
    }

    private static IEnumerable<FieldError> ForbidSubPaths(V1EphemeralContainer ec, FieldPath path)
    {
        var mounts = ec.VolumeMounts ?? [];
        for (var i = 0; i < mounts.Count; i++)
        {
            if (!string.IsNullOrEmpty(mounts[i].SubPath))
            {
                yield return FieldError.Forbidden(path.Child("volumeMounts").Index(i).Child("subPath"), NotForEphemeral);
            }

            if (!string.IsNullOrEmpty(mounts[i].SubPathExpr))
            {
                yield return FieldError.Forbidden(path.Child("volumeMounts").Index(i).Child("subPathExpr"), NotForEphemeral);
            }
        }
    }

    /// <summary>
    /// Mirrors validateContainerCommon: name (required DNS-1123 label), image, terminationMessagePolicy, ports, env,
    /// volumeMounts and imagePullPolicy.
    /// </summary>
    public static IEnumerable<FieldError> ValidateCommon(V1Container c, IReadOnlyDictionary<string, V1Volume> volumes, FieldPath path)
    {
        var errs = new List<FieldError>();
        var namePath = path.Child("name");
        if (string.IsNullOrEmpty(c.Name))
        {
            errs.Add(FieldError.Required(namePath));
        }
        else
        {
            errs.AddRange(NameValidation.IsDns1123Label(c.Name).Select(m => FieldError.Invalid(namePath, c.Name, m)));
        }

        if (string.IsNullOrEmpty(c.Image))
        {
            errs.Add(FieldError.Required(path.Child("image")));
        }

        errs.AddRange(ValidateEnum(c.TerminationMessagePolicy, SupportedTerminationMessagePolicies, path.Child("terminationMessagePolicy")));
        errs.AddRange(ContainerFieldValidation.ValidatePorts(c.Ports, path.Child("ports")));
        errs.AddRange(ContainerFieldValidation.ValidateEnv(c.Env, path.Child("env")));
        errs.AddRange(VolumeValidation.ValidateVolumeMounts(c.VolumeMounts, volumes, path.Child("volumeMounts")));
        errs.AddRange(ValidateEnum(c.ImagePullPolicy, SupportedPullPolicies, path.Child("imagePullPolicy")));
        return errs;
    }

    /// <summary>Mirrors validateContainerOnlyForPod: no leading or trailing whitespace in the image.</summary>
    public static IEnumerable<FieldError> ValidateImageWhitespace(V1Container c, FieldPath path) =>
        c.Image is { } image && image.Trim().Length != image.Length
            ? [FieldError.Invalid(path.Child("image"), image, "must not have leading or trailing whitespace")]
            : [];

    /// <summary>The upstream enum pattern: empty is Required, anything else outside the list NotSupported.</summary>
    public static IEnumerable<FieldError> ValidateEnum(string? value, string[] supported, FieldPath path)
    {
        if (string.IsNullOrEmpty(value))
        {
            return [FieldError.Required(path)];
        }

        return supported.Contains(value) ? [] : [FieldError.NotSupported(path, value, supported)];
    }

    /// <summary>EphemeralContainerCommon has the Container fields; a JSON round trip converts it.</summary>
    private static V1Container ToContainer(V1EphemeralContainer ec) =>
        KubernetesJson.Deserialize<V1Container>(KubernetesJson.Serialize(ec));
}
