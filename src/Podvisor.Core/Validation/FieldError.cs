using Podvisor.Core.Model;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using k8s;

namespace Podvisor.Core.Validation;

/// <summary>The apimachinery field.ErrorType values Podvisor uses.</summary>
public enum FieldErrorType
{
    NotFound,
    Required,
    Duplicate,
    Invalid,
    NotSupported,
    Forbidden,
    TooLong,
    TooMany,
}

/// <summary>
/// One field-level validation error. Mirrors apimachinery pkg/util/validation/field/errors.go: <see cref="ToString"/>
/// is <c>Error()</c> (<c>field: body</c>), <see cref="Body"/> is <c>ErrorBody()</c>, <see cref="Reason"/> is the
/// machine-readable ErrorType (the metav1.StatusCause reason, e.g. <c>FieldValueRequired</c>).
/// </summary>
public sealed record FieldError(FieldErrorType Type, string Field, object? BadValue, string Detail)
{
    /// <summary>Marks a bad value that is not printed (field.omitValue).</summary>
    public static readonly object OmitValue = new();

    /// <summary>The StatusCause reason (field.ErrorType string), e.g. <c>FieldValueNotSupported</c>.</summary>
    public string Reason => Type switch
    {
        FieldErrorType.NotFound => "FieldValueNotFound",
        FieldErrorType.Required => "FieldValueRequired",
        FieldErrorType.Duplicate => "FieldValueDuplicate",
        FieldErrorType.Invalid => "FieldValueInvalid",
        FieldErrorType.NotSupported => "FieldValueNotSupported",
        FieldErrorType.Forbidden => "FieldValueForbidden",
        FieldErrorType.TooLong => "FieldValueTooLong",
        FieldErrorType.TooMany => "FieldValueTooMany",
        _ => throw new UnreachableException(),
    };

    /// <summary>The human-readable type (ErrorType.String()), e.g. <c>Unsupported value</c>.</summary>
    public string TypeText => Type switch
    {
        FieldErrorType.NotFound => "Not found",
        FieldErrorType.Required => "Required value",
        FieldErrorType.Duplicate => "Duplicate value",
        FieldErrorType.Invalid => "Invalid value",
        FieldErrorType.NotSupported => "Unsupported value",
        FieldErrorType.Forbidden => "Forbidden",
        FieldErrorType.TooLong => "Too long",
        FieldErrorType.TooMany => "Too many",
        _ => throw new UnreachableException(),
    };

    /// <summary>
    /// Mirrors ErrorBody(): Required, Forbidden and TooLong never print the value; the others print it
    /// (strings Go-quoted, numbers and bools plain, anything else as JSON), then <c>: detail</c> when set.
    /// </summary>
    public string Body
    {
        get
        {
            var omit = Type is FieldErrorType.Required or FieldErrorType.Forbidden or FieldErrorType.TooLong
                || ReferenceEquals(BadValue, OmitValue);
            var s = omit ? TypeText : $"{TypeText}: {FormatValue(BadValue)}";
            return Detail.Length == 0 ? s : $"{s}: {Detail}";
        }
    }

    /// <summary>Mirrors Error(): <c>field: body</c>.</summary>
    public override string ToString() => $"{Field}: {Body}";

    public static FieldError Required(FieldPath field, string detail = "") => new(FieldErrorType.Required, field.ToString(), "", detail);

    public static FieldError Forbidden(FieldPath field, string detail) => new(FieldErrorType.Forbidden, field.ToString(), "", detail);

    public static FieldError Invalid(FieldPath field, object? value, string detail) => new(FieldErrorType.Invalid, field.ToString(), value, detail);

    public static FieldError NotFound(FieldPath field, object? value) => new(FieldErrorType.NotFound, field.ToString(), value, "");

    public static FieldError Duplicate(FieldPath field, object? value) => new(FieldErrorType.Duplicate, field.ToString(), value, "");

    /// <summary>Mirrors field.NotSupported: <c>supported values: "a", "b"</c> in the order given.</summary>
    public static FieldError NotSupported(FieldPath field, object? value, IEnumerable<string> validValues)
    {
        var quoted = validValues.Select(GoFormat.Quote).ToList();
        var detail = quoted.Count == 0 ? "" : "supported values: " + string.Join(", ", quoted);
        return new(FieldErrorType.NotSupported, field.ToString(), value, detail);
    }

    /// <summary>Mirrors field.TooLong (value omitted): <c>may not be more than N bytes</c>.</summary>
    public static FieldError TooLong(FieldPath field, int maxLength)
    {
        var detail = maxLength >= 0 ? $"may not be more than {maxLength} {(maxLength == 1 ? "byte" : "bytes")}" : "value is too long";
        return new(FieldErrorType.TooLong, field.ToString(), "<value omitted>", detail);
    }

    /// <summary>Mirrors field.TooMany (1.36 wording, docs/lifecycle.md §D2): <c>Too many: 21: must have at most 20 items</c>.</summary>
    public static FieldError TooMany(FieldPath field, int actual, int max)
    {
        var detail = max >= 0 ? $"must have at most {max} {(max == 1 ? "item" : "items")}" : "has too many items";
        return new(FieldErrorType.TooMany, field.ToString(), actual >= 0 ? actual : OmitValue, detail);
    }

    /// <summary>Renders a bad value as ErrorBody does.</summary>
    public static string FormatValue(object? value) => value switch
    {
        null => "null",
        string s => GoFormat.Quote(s),
        bool b => b ? "true" : "false",
        int or long or short or byte or uint or ulong => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        _ => KubernetesJson.Serialize(value),
    };
}
