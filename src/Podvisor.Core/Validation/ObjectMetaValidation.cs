using System.Text;
using k8s.Models;

namespace Podvisor.Core.Validation;

/// <summary>
/// Pod metadata validation. Mirrors apimachinery pkg/api/validation/objectmeta.go ValidateObjectMetaAccessor (with
/// the pod name function NameIsDNSSubdomain and a required namespace) and ValidateObjectMetaUpdate.
/// </summary>
public static class ObjectMetaValidation
{
    public const string FieldImmutableErrorMsg = "field is immutable";
    private const int TotalAnnotationSizeLimitB = 256 * (1 << 10);

    /// <summary>Mirrors ValidateObjectMeta(meta, requiresNamespace: true, ValidatePodName).</summary>
    public static IEnumerable<FieldError> ValidateCreate(V1ObjectMeta? meta, FieldPath path)
    {
        meta ??= new V1ObjectMeta();
        var errs = new List<FieldError>();
        if (!string.IsNullOrEmpty(meta.GenerateName))
        {
            errs.AddRange(NameValidation.NameIsDnsSubdomain(meta.GenerateName, prefix: true)
                .Select(m => FieldError.Invalid(path.Child("generateName"), meta.GenerateName, m)));
        }

        if (string.IsNullOrEmpty(meta.Name))
        {
            errs.Add(FieldError.Required(path.Child("name"), "name or generateName is required"));
        }
        else
        {
            errs.AddRange(NameValidation.NameIsDnsSubdomain(meta.Name, prefix: false).Select(m => FieldError.Invalid(path.Child("name"), meta.Name, m)));
        }

        if (string.IsNullOrEmpty(meta.NamespaceProperty))
        {
            errs.Add(FieldError.Required(path.Child("namespace")));
        }
        else
        {
            errs.AddRange(NameValidation.NameIsDnsLabel(meta.NamespaceProperty, prefix: false)
                .Select(m => FieldError.Invalid(path.Child("namespace"), meta.NamespaceProperty, m)));
        }

        errs.AddRange(ProbeValidation.ValidateNonNegative(meta.Generation ?? 0, path.Child("generation")));
        errs.AddRange(ValidateLabels(meta.Labels, path.Child("labels")));
        errs.AddRange(ValidateAnnotations(meta.Annotations, path.Child("annotations")));
        return errs;
    }

    /// <summary>
    /// Mirrors the immutable-field part of ValidateObjectMetaUpdate: name, namespace and uid may not change
    /// (<c>Invalid value: "new": field is immutable</c>). resourceVersion preconditions belong to the store.
    /// </summary>
    public static IEnumerable<FieldError> ValidateUpdate(V1ObjectMeta? newMeta, V1ObjectMeta? oldMeta, FieldPath path)
    {
        newMeta ??= new V1ObjectMeta();
        oldMeta ??= new V1ObjectMeta();
        var pairs = new (string Field, string? New, string? Old)[]
        {
            ("name", newMeta.Name, oldMeta.Name),
            ("namespace", newMeta.NamespaceProperty, oldMeta.NamespaceProperty),
            ("uid", newMeta.Uid, oldMeta.Uid),
        };
        return pairs.Where(p => (p.New ?? "") != (p.Old ?? ""))
            .Select(p => FieldError.Invalid(path.Child(p.Field), p.New ?? "", FieldImmutableErrorMsg));
    }

    /// <summary>Mirrors v1validation.ValidateLabels (keys then values, reported on the labels path), sorted by key.</summary>
    public static IEnumerable<FieldError> ValidateLabels(IDictionary<string, string>? labels, FieldPath path)
    {
        foreach (var (key, value) in (labels ?? new Dictionary<string, string>()).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            foreach (var msg in NameValidation.IsQualifiedName(key))
            {
                yield return FieldError.Invalid(path, key, msg);
            }

            foreach (var msg in NameValidation.IsLabelValue(value ?? ""))
            {
                yield return FieldError.Invalid(path, value ?? "", msg);
            }
        }
    }

    /// <summary>Mirrors ValidateAnnotations: keys are (lower-cased) qualified names; total size at most 256 KiB.</summary>
    public static IEnumerable<FieldError> ValidateAnnotations(IDictionary<string, string>? annotations, FieldPath path)
    {
        var size = 0L;
        foreach (var (key, value) in (annotations ?? new Dictionary<string, string>()).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            foreach (var msg in NameValidation.IsQualifiedName(key.ToLowerInvariant()))
            {
                yield return FieldError.Invalid(path, key, msg);
            }

            size += Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(value ?? "");
        }

        if (size > TotalAnnotationSizeLimitB)
        {
            yield return FieldError.TooLong(path, TotalAnnotationSizeLimitB);
        }
    }
}
