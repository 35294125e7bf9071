using k8s.Models;

namespace Podvisor.Core.Validation;

/// <summary>
/// The status subresource's validation, in part: upstream ValidatePodStatusUpdate's condition rule
/// (validatePodConditions: a type other than PodScheduled, Ready, Initialized must be a qualified name). A decoded
/// <c>conditions: [null]</c> is a condition with no type (Go's zero value), which this rejects.
/// </summary>
public static class PodStatusValidation
{
    private static readonly HashSet<string> SystemConditions = ["PodScheduled", "Ready", "Initialized"];

    public static ErrorList ValidateStatusUpdate(V1PodStatus? status)
    {
        var errors = new ErrorList();
        var path = FieldPath.Root("status").Child("conditions");
        var conditions = status?.Conditions ?? [];
        for (var i = 0; i < conditions.Count; i++)
        {
            var type = conditions[i]?.Type ?? "";
            if (SystemConditions.Contains(type))
            {
                continue;
            }

            errors.AddRange(NameValidation.IsQualifiedName(type).Select(message => FieldError.Invalid(path.Index(i).Child("Type"), type, message)));
        }

        return errors;
    }
}
