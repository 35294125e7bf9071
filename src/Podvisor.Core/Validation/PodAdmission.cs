using k8s.Models;

namespace Podvisor.Core.Validation;

/// <summary>
/// What kube-apiserver does to a new pod before storing it, in its order: defaulting, dropping fields of disabled
/// gates (PrepareForCreate), validation, then Podvisor's admission limits. Used by <c>podvisor run/validate</c> and
/// the API so both accept and reject exactly the same pods.
/// </summary>
public static class PodAdmission
{
    /// <summary>Mutates <paramref name="pod"/> (defaults) and returns every error; empty means admitted.</summary>
    public static ErrorList AdmitCreate(V1Pod pod, FeatureGates gates, bool runsImages = false)
    {
        PodDefaults.Apply(pod);
        PodDefaults.DropDisabledFields(pod, null, gates);
        var errors = PodValidator.ValidateCreate(pod, gates);
        if (errors.IsEmpty)
        {
            errors.AddRange(PodvisorAdmission.Validate(pod, runsImages));
        }

        return errors;
    }
}
