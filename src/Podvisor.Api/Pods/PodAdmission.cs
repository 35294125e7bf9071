using k8s.Models;
using Podvisor.Api.Http;
using Podvisor.Core;
using Podvisor.Core.Validation;

namespace Podvisor.Api.Pods;

/// <summary>
/// The API's side of pod admission: runs Podvisor.Core's apiserver chain (the same one <c>podvisor run</c> uses, with the
/// API's ServiceAccount plugin between defaulting and validation) and
/// turns its field errors into a 422 <c>Invalid</c> Status with one cause per error.
/// </summary>
internal static class PodAdmission
{
    /// <summary>Defaulting, the ServiceAccount admission plugin (a 403 when the account is missing), then validation.</summary>
    public static ApiError? AdmitCreate(ApiContext api, V1Pod pod)
    {
        Core.Validation.PodAdmission.Default(pod, api.Gates);
        return Auth.ServiceAccountAdmission.Admit(api, pod)
            ?? ToInvalid(pod, Core.Validation.PodAdmission.Validate(pod, api.Gates, api.RunsImages));
    }

    /// <summary>PrepareForUpdate + ValidatePodUpdate: defaults, the disabled-gate rollback rule, then update validation.</summary>
    public static ApiError? AdmitUpdate(V1Pod pod, V1Pod old, FeatureGates gates)
    {
        PodDefaults.Apply(pod);
        PodDefaults.DropDisabledFields(pod, old, gates);
        return ToInvalid(pod, PodValidator.ValidateUpdate(pod, old, gates));
    }

    /// <summary>A status write (the status subresource): ValidatePodStatusUpdate's rules that Podvisor mirrors.</summary>
    public static ApiError? AdmitStatusUpdate(V1Pod pod) => ToInvalid(pod, PodStatusValidation.ValidateStatusUpdate(pod.Status));

    private static ApiError? ToInvalid(V1Pod pod, ErrorList errors) => Objects.ObjectWrites.Invalid("Pod", pod.Metadata?.Name, errors);
}
