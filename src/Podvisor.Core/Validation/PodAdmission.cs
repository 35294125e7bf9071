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
        Default(pod, gates);
        return Validate(pod, gates, runsImages);
    }

    /// <summary>Defaulting and PrepareForCreate's dropping of disabled fields: what runs before mutating admission.</summary>
    public static void Default(V1Pod pod, FeatureGates gates)
    {
        PodDefaults.Apply(pod);
        PodDefaults.DropDisabledFields(pod, null, gates);
    }

    /// <summary>Create validation, then Podvisor's limits: what runs after mutating admission.</summary>
    public static ErrorList Validate(V1Pod pod, FeatureGates gates, bool runsImages = false)
    {
        var errors = PodValidator.ValidateCreate(pod, gates);
        if (errors.IsEmpty)
        {
            errors.AddRange(PodvisorAdmission.Validate(pod, runsImages));
        }

        return errors;
    }
}
