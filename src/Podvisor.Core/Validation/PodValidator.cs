using System.Globalization;
using System.Net;
using System.Net.Sockets;
using k8s.Models;

namespace Podvisor.Core.Validation;

/// <summary>
/// kube-apiserver Pod validation (docs/lifecycle.md §3, §D1–§D3, §D10). Mirrors pkg/apis/core/validation ValidatePodCreate,
/// ValidatePodUpdate and ValidatePodSpec for the fields Podvisor honours. Errors accumulate; nothing stops at the
/// first. Like the apiserver, validation runs on a defaulted pod: call <see cref="PodDefaults.Apply"/> first.
/// </summary>
public static class PodValidator
{
    private static readonly string[] SupportedDnsPolicies = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
    private static readonly string[] SupportedPreemptionPolicies = ["PreemptLowerPriority", "PreemptNever"];

    /// <summary>Validates a pod being created (ValidatePodCreate).</summary>
    public static ErrorList ValidateCreate(V1Pod pod, FeatureGates gates)
    {
        var errs = ValidateMetadataAndSpec(pod, PodValidationOptions.For(gates, oldSpec: null));
        if (pod.Spec?.EphemeralContainers is { Count: > 0 })
        {
            errs.Add(FieldError.Forbidden(FieldPath.Root("spec", "ephemeralContainers"), "cannot be set on create"));
        }

        return errs;
    }

    /// <summary>
    /// Validates an update of <paramref name="oldPod"/> to <paramref name="newPod"/> (ValidatePodUpdate): metadata
    /// identity is immutable, the new pod must be valid (with options widened by what the old pod already uses), and
    /// the spec may change only in images, activeDeadlineSeconds, added tolerations and the grace-period rule.
    /// </summary>
    public static ErrorList ValidateUpdate(V1Pod newPod, V1Pod oldPod, FeatureGates gates)
    {
        var errs = new ErrorList(ObjectMetaValidation.ValidateUpdate(newPod.Metadata, oldPod.Metadata, FieldPath.Root("metadata")));
        errs.AddRange(ValidateMetadataAndSpec(newPod, PodValidationOptions.For(gates, oldPod.Spec)));
        errs.AddRange(PodUpdateValidation.ValidateSpecUpdate(newPod.Spec ?? new V1PodSpec(), oldPod.Spec ?? new V1PodSpec()));
        return errs;
    }

    /// <summary>Mirrors validatePodMetadataAndSpec.</summary>
    private static ErrorList ValidateMetadataAndSpec(V1Pod pod, PodValidationOptions opts)
    {
        var specPath = FieldPath.Root("spec");
        var spec = pod.Spec ?? new V1PodSpec();
        var errs = new ErrorList(ObjectMetaValidation.ValidateCreate(pod.Metadata, FieldPath.Root("metadata")));
        errs.AddRange(ValidateSpec(spec, specPath, opts));
        for (var i = 0; i < (spec.Containers?.Count ?? 0); i++)
        {
            errs.AddRange(ContainerValidation.ValidateImageWhitespace(spec.Containers![i], specPath.Child("containers").Index(i)));
        }

        for (var i = 0; i < (spec.InitContainers?.Count ?? 0); i++)
        {
            errs.AddRange(ContainerValidation.ValidateImageWhitespace(spec.InitContainers![i], specPath.Child("initContainers").Index(i)));
        }

        return errs;
    }

    /// <summary>Mirrors ValidatePodSpec, in upstream's order.</summary>
    public static IEnumerable<FieldError> ValidateSpec(V1PodSpec spec, FieldPath path, PodValidationOptions opts)
    {
        var errs = new ErrorList();
        if (spec.TerminationGracePeriodSeconds is null)
        {
            errs.Add(FieldError.Required(path.Child("terminationGracePeriodSeconds")));
        }

        var volumes = VolumeValidation.ValidateVolumes(spec.Volumes, path.Child("volumes"), errs);
        errs.AddRange(ContainerValidation.ValidateContainers(spec, volumes, path.Child("containers"), opts));
        errs.AddRange(ContainerValidation.ValidateInitContainers(spec, volumes, path.Child("initContainers"), opts));
        errs.AddRange(ContainerValidation.ValidateEphemeralContainers(spec, volumes, path.Child("ephemeralContainers")));
        errs.AddRange(RestartPolicyValidation.ValidatePodRestartPolicy(spec.RestartPolicy, path.Child("restartPolicy")));
        errs.AddRange(ContainerValidation.ValidateEnum(spec.DnsPolicy, SupportedDnsPolicies, path.Child("dnsPolicy")));
        errs.AddRange(ObjectMetaValidation.ValidateLabels(spec.NodeSelector, path.Child("nodeSelector")));
        errs.AddRange(ValidateFormat(path, Subdomain, ("serviceAccountName", spec.ServiceAccountName), ("nodeName", spec.NodeName)));
        if (spec.ActiveDeadlineSeconds is { } deadline && deadline is < 1 or > int.MaxValue)
        {
            errs.Add(FieldError.Invalid(path.Child("activeDeadlineSeconds"), deadline, NameValidation.InclusiveRangeError(1, int.MaxValue)));
        }

        errs.AddRange(ValidateFormat(path, NameValidation.IsDns1123Label, ("hostname", spec.Hostname), ("subdomain", spec.Subdomain)));
        errs.AddRange(ValidateHostAliases(spec.HostAliases, path.Child("hostAliases")));
        errs.AddRange(ValidateFormat(path, Subdomain, ("priorityClassName", spec.PriorityClassName)));
        if (spec.PreemptionPolicy is not null)
        {
            errs.AddRange(ContainerValidation.ValidateEnum(spec.PreemptionPolicy, SupportedPreemptionPolicies, path.Child("preemptionPolicy")));
        }

        return errs;
    }

    /// <summary>Mirrors ValidateHostAliases: each ip as IsValidIPForLegacyField accepts it, each hostname a DNS-1123 subdomain.</summary>
    private static IEnumerable<FieldError> ValidateHostAliases(IList<V1HostAlias>? aliases, FieldPath path)
    {
        foreach (var (alias, i) in (aliases ?? []).Select((a, i) => (a, i)))
        {
            if (!IsLegacyIp(alias.Ip ?? ""))
            {
                yield return FieldError.Invalid(path.Index(i).Child("ip"), alias.Ip ?? "", "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
            }

            foreach (var (hostname, j) in (alias.Hostnames ?? []).Select((h, j) => (h, j)))
            {
                foreach (var message in NameValidation.IsDns1123Subdomain(hostname))
                {
                    yield return FieldError.Invalid(path.Index(i).Child("hostnames").Index(j), hostname, message);
                }
            }
        }
    }

    /// <summary>netutils.ParseIPSloppy: IPv4 as four decimal parts (leading zeros allowed) or IPv6 without a zone.</summary>
    private static bool IsLegacyIp(string value) =>
        value.Contains(':')
            ? !value.Contains('%') && IPAddress.TryParse(value, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6
            : value.Split('.') is { Length: 4 } parts && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit) && int.Parse(p, CultureInfo.InvariantCulture) <= 255);

    private static IEnumerable<FieldError> ValidateFormat(
        FieldPath path, Func<string, IReadOnlyList<string>> check, params (string Field, string? Value)[] fields) =>
        fields.Where(f => !string.IsNullOrEmpty(f.Value))
            .SelectMany(f => check(f.Value!).Select(m => FieldError.Invalid(path.Child(f.Field), f.Value, m)));

    private static IReadOnlyList<string> Subdomain(string value) => NameValidation.NameIsDnsSubdomain(value, prefix: false);
}
