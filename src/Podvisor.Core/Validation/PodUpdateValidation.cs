using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Core.Validation;

/// <summary>
/// The spec part of ValidatePodUpdate: which spec changes an update may make. Mirrors validation.go
/// ValidateContainerUpdates, the activeDeadlineSeconds rules, validateOnlyAddedTolerations and the final munged-spec
/// comparison that yields <c>spec: Forbidden: pod updates may not change fields other than ...</c>.
/// </summary>
public static class PodUpdateValidation
{
    /// <summary>updatablePodSpecFields, joined with "," as upstream does.</summary>
    public static readonly string UpdatableFieldsMessage = "pod updates may not change fields other than " + string.Join(",",
        "`spec.containers[*].image`",
        "`spec.initContainers[*].image`",
        "`spec.activeDeadlineSeconds`",
        "`spec.tolerations` (only additions to existing tolerations)",
        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)");

    private const int MaxDiffLines = 20;

    /// <summary>Validates the spec changes from <paramref name="oldSpec"/> to <paramref name="newSpec"/>.</summary>
    public static ErrorList ValidateSpecUpdate(V1PodSpec newSpec, V1PodSpec oldSpec)
    {
        var specPath = FieldPath.Root("spec");
        var errs = new ErrorList();
        if (!ValidateContainerUpdates(newSpec.Containers, oldSpec.Containers, specPath.Child("containers"), errs)
            || !ValidateContainerUpdates(newSpec.InitContainers, oldSpec.InitContainers, specPath.Child("initContainers"), errs)
            || !ValidateActiveDeadline(newSpec.ActiveDeadlineSeconds, oldSpec.ActiveDeadlineSeconds, specPath.Child("activeDeadlineSeconds"), errs))
        {
            return errs;
        }

        errs.AddRange(ValidateOnlyAddedTolerations(newSpec.Tolerations, oldSpec.Tolerations, specPath.Child("tolerations")));

        var diff = SemanticDiff.Compare(oldSpec, Munge(newSpec, oldSpec), "spec");
        if (diff.Count > 0)
        {
            var shown = diff.Take(MaxDiffLines).Select(d => "  " + d).ToList();
            if (diff.Count > MaxDiffLines)
            {
                shown.Add($"  ... and {diff.Count - MaxDiffLines} more");
            }

            errs.Add(FieldError.Forbidden(specPath, UpdatableFieldsMessage + "\n" + string.Join("\n", shown)));
        }

        return errs;
    }

    /// <summary>Mirrors ValidateContainerUpdates; false means stop (containers were added or removed).</summary>
    private static bool ValidateContainerUpdates(IList<V1Container>? newList, IList<V1Container>? oldList, FieldPath path, ErrorList errs)
    {
        newList ??= [];
        if (newList.Count != (oldList?.Count ?? 0))
        {
            errs.Add(FieldError.Forbidden(path, "pod updates may not add or remove containers"));
            return false;
        }

        for (var i = 0; i < newList.Count; i++)
        {
            if (string.IsNullOrEmpty(newList[i].Image))
            {
                errs.Add(FieldError.Required(path.Index(i).Child("image")));
            }

            errs.AddRange(ContainerValidation.ValidateImageWhitespace(newList[i], path.Index(i)));
        }

        return true;
    }

    /// <summary>
    /// activeDeadlineSeconds may go from nil to a value or decrease; false means stop, as upstream returns early.
    /// </summary>
    private static bool ValidateActiveDeadline(long? newValue, long? oldValue, FieldPath path, ErrorList errs)
    {
        if (newValue is { } value)
        {
            if (value is < 0 or > int.MaxValue)
            {
                errs.Add(FieldError.Invalid(path, value, NameValidation.InclusiveRangeError(0, int.MaxValue)));
                return false;
            }

            if (oldValue is { } old && old < value)
            {
                errs.Add(FieldError.Invalid(path, value, "must be less than or equal to previous value"));
                return false;
            }
        }
        else if (oldValue is not null)
        {
            errs.Add(FieldError.Invalid(path, null, "must not update from a positive integer to nil value"));
        }

        return true;
    }

    /// <summary>Mirrors validateOnlyAddedTolerations: every old toleration must remain (tolerationSeconds may change).</summary>
    private static IEnumerable<FieldError> ValidateOnlyAddedTolerations(IList<V1Toleration>? newList, IList<V1Toleration>? oldList, FieldPath path)
    {
        var allKept = (oldList ?? []).All(old => (newList ?? []).Any(n =>
            n.Key == old.Key && n.OperatorProperty == old.OperatorProperty && n.Value == old.Value && n.Effect == old.Effect));
        return allKept ? [] : [FieldError.Forbidden(path, "existing toleration can not be modified except its tolerationSeconds")];
    }

    /// <summary>The new spec with every updatable field reset to its old value.</summary>
    private static V1PodSpec Munge(V1PodSpec newSpec, V1PodSpec oldSpec)
    {
        var munged = KubeObject.DeepCopy(newSpec);
        for (var i = 0; i < (munged.Containers?.Count ?? 0); i++)
        {
            munged.Containers![i].Image = oldSpec.Containers![i].Image;
        }

        for (var i = 0; i < (munged.InitContainers?.Count ?? 0); i++)
        {
            munged.InitContainers![i].Image = oldSpec.InitContainers![i].Image;
        }

        munged.ActiveDeadlineSeconds = oldSpec.ActiveDeadlineSeconds;
        munged.SchedulingGates = oldSpec.SchedulingGates;
        munged.Tolerations = oldSpec.Tolerations;
        if (oldSpec.TerminationGracePeriodSeconds < 0 && munged.TerminationGracePeriodSeconds == 1)
        {
            munged.TerminationGracePeriodSeconds = oldSpec.TerminationGracePeriodSeconds;
        }

        return munged;
    }
}
