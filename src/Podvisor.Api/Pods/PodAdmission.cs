using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using Podvisor.Api.Http;
using Podvisor.Core;

namespace Podvisor.Api.Pods;

/// <summary>
/// The one seam between the API and pod admission: strict decoding, defaulting and validation. Today a minimal
/// implementation of its own; switching to Podvisor.Core.Validation (StrictDecoder.DecodePod, PodDefaults.Apply,
/// PodValidator.ValidateCreate/ValidateUpdate, PodvisorAdmission.Validate) changes only this file.
/// </summary>
internal static partial class PodAdmission
{
    private const string UpdateForbidden =
        "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

    /// <summary>Fields of <paramref name="body"/> that a Pod does not have, as "spec.foo" paths (strict decoding).</summary>
    public static IReadOnlyList<string> UnknownFields(JsonObject body, V1Pod decoded)
    {
        var unknown = new List<string>();
        CollectUnknown(body, JsonNode.Parse(KubernetesJson.Serialize(decoded)), "", unknown);
        return unknown;
    }

    /// <summary>API defaults for a decoded pod (upstream SetDefaults_Pod / SetDefaults_Container, the parts Podvisor uses).</summary>
    public static void ApplyDefaults(V1Pod pod)
    {
        var spec = pod.Spec ??= new V1PodSpec();
        spec.RestartPolicy ??= "Always";
        spec.TerminationGracePeriodSeconds ??= 30;
        spec.DnsPolicy ??= "ClusterFirst";
        spec.SchedulerName ??= "default-scheduler";
        spec.SecurityContext ??= new V1PodSecurityContext();
        spec.EnableServiceLinks ??= true;
        spec.Priority ??= 0;
        spec.PreemptionPolicy ??= "PreemptLowerPriority";
        foreach (var container in (spec.InitContainers ?? []).Concat(spec.Containers ?? []))
        {
            container.TerminationMessagePath ??= "/dev/termination-log";
            container.TerminationMessagePolicy ??= "File";
            container.ImagePullPolicy ??= ImageHasLatestTag(container.Image) ? "Always" : "IfNotPresent";
            container.Resources ??= new V1ResourceRequirements();
            foreach (var port in container.Ports ?? [])
            {
                port.Protocol ??= "TCP";
            }
        }
    }

    public static ApiError? ValidateCreate(V1Pod pod, FeatureGates gates)
    {
        _ = gates;
        var errors = new List<FieldCause>();
        ValidateName(pod.Metadata, errors);
        ValidateContainers(pod.Spec, errors);
        if (pod.Spec?.RestartPolicy is { } policy && policy is not ("Always" or "OnFailure" or "Never"))
        {
            errors.Add(new FieldCause("FieldValueNotSupported", $"Unsupported value: \"{policy}\": supported values: \"Always\", \"OnFailure\", \"Never\"", "spec.restartPolicy"));
        }

        return ToInvalid(pod, errors);
    }

    public static ApiError? ValidateUpdate(V1Pod pod, V1Pod old, FeatureGates gates)
    {
        _ = gates;
        var errors = new List<FieldCause>();
        if (MutableSpecFieldsCleared(pod.Spec) != MutableSpecFieldsCleared(old.Spec))
        {
            errors.Add(new FieldCause("FieldValueForbidden", "Forbidden: " + UpdateForbidden, "spec"));
        }

        return ToInvalid(pod, errors);
    }

    /// <summary>NewInvalid's message: one error as is, several as "[a, b]".</summary>
    private static ApiError? ToInvalid(V1Pod pod, List<FieldCause> errors)
    {
        if (errors.Count == 0)
        {
            return null;
        }

        var name = pod.Metadata?.Name ?? "";
        var rendered = errors.Select(e => $"{e.Field}: {e.Message}").ToList();
        var detail = rendered.Count == 1 ? rendered[0] : "[" + string.Join(", ", rendered) + "]";
        return ApiError.Invalid("Pod", name, $"The Pod \"{name}\" is invalid: {detail}", errors);
    }

    private static void ValidateName(V1ObjectMeta? metadata, List<FieldCause> errors)
    {
        var name = metadata?.Name;
        if (string.IsNullOrEmpty(name))
        {
            errors.Add(new FieldCause("FieldValueRequired", "Required value: name or generateName is required", "metadata.name"));
        }
        else if (name.Length > 253 || !Dns1123Subdomain().IsMatch(name))
        {
            errors.Add(new FieldCause(
                "FieldValueInvalid",
                $"Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                "metadata.name"));
        }
    }

    private static void ValidateContainers(V1PodSpec? spec, List<FieldCause> errors)
    {
        if (spec?.Containers is not { Count: > 0 })
        {
            errors.Add(new FieldCause("FieldValueRequired", "Required value", "spec.containers"));
            return;
        }

        var names = new HashSet<string>();
        foreach (var (container, path) in (spec.InitContainers ?? []).Select((c, i) => (c, $"spec.initContainers[{i}]"))
                     .Concat(spec.Containers.Select((c, i) => (c, $"spec.containers[{i}]"))))
        {
            if (string.IsNullOrEmpty(container.Name))
            {
                errors.Add(new FieldCause("FieldValueRequired", "Required value", path + ".name"));
            }
            else if (!names.Add(container.Name))
            {
                errors.Add(new FieldCause("FieldValueDuplicate", $"Duplicate value: \"{container.Name}\"", path + ".name"));
            }

            if (string.IsNullOrEmpty(container.Image))
            {
                errors.Add(new FieldCause("FieldValueRequired", "Required value", path + ".image"));
            }

            if (container.Command is not { Count: > 0 })
            {
                errors.Add(new FieldCause("FieldValueRequired", "Required value: podvisor runs containers as host processes: command is required", path + ".command"));
            }
        }
    }

    /// <summary>The spec with the fields a pod update may change blanked out, for comparison.</summary>
    private static string MutableSpecFieldsCleared(V1PodSpec? spec)
    {
        var copy = KubernetesJson.Deserialize<V1PodSpec>(KubernetesJson.Serialize(spec ?? new V1PodSpec()));
        foreach (var container in (copy.InitContainers ?? []).Concat(copy.Containers ?? []))
        {
            container.Image = null;
        }

        copy.ActiveDeadlineSeconds = null;
        copy.Tolerations = null;
        return KubernetesJson.Serialize(copy);
    }

    private static void CollectUnknown(JsonNode? input, JsonNode? known, string path, List<string> unknown)
    {
        switch (input)
        {
            case JsonObject inputObject when known is JsonObject knownObject:
                foreach (var (key, value) in inputObject)
                {
                    var child = path.Length == 0 ? key : path + "." + key;
                    if (!knownObject.ContainsKey(key))
                    {
                        if (value is not null)
                        {
                            unknown.Add(child);
                        }
                    }
                    else
                    {
                        CollectUnknown(value, knownObject[key], child, unknown);
                    }
                }

                break;
            case JsonArray inputArray when known is JsonArray knownArray:
                for (var i = 0; i < inputArray.Count && i < knownArray.Count; i++)
                {
                    CollectUnknown(inputArray[i], knownArray[i], $"{path}[{i}]", unknown);
                }

                break;
        }
    }

    private static bool ImageHasLatestTag(string? image)
    {
        var name = (image ?? "").Split('@')[0];
        var slash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        return colon <= slash || name[(colon + 1)..] == "latest";
    }

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();
}
