using System.Text.RegularExpressions;
using k8s.Models;

namespace Podvisor.Core.Validation;

/// <summary>
/// Mirrors ValidateConfigMap, ValidateConfigMapUpdate, ValidateSecret and ValidateSecretUpdate
/// (kubernetes/kubernetes pkg/apis/core/validation/validation.go) and IsConfigMapKey (apimachinery
/// pkg/util/validation). Map keys are checked in ordinal order (upstream iterates a Go map).
/// </summary>
public static partial class ConfigObjectValidation
{
    /// <summary>The keys a kubernetes.io/tls Secret must hold.</summary>
    private static readonly string[] TlsKeys = ["tls.crt", "tls.key"];

    /// <summary>core.MaxSecretSize, the limit of a ConfigMap's and a Secret's data.</summary>
    public const int MaxSize = 1 << 20;

    public const string ImmutableWhenSet = "field is immutable when `immutable` is set";

    private const string ConfigMapKeyFmt = "[-._a-zA-Z0-9]+";
    private const string ConfigMapKeyErrMsg = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";

    /// <summary>
    /// The v1 conversion and defaulting of a Secret before validation: <c>stringData</c> is merged into <c>data</c>
    /// (its keys win) and dropped; <c>type</c> defaults to <c>Opaque</c> (SetDefaults_Secret).
    /// </summary>
    public static void DefaultSecret(V1Secret secret)
    {
        if (secret.StringData is { Count: > 0 } stringData)
        {
            secret.Data ??= new Dictionary<string, byte[]>();
            foreach (var (key, value) in stringData)
            {
                secret.Data[key] = System.Text.Encoding.UTF8.GetBytes(value ?? "");
            }
        }

        secret.StringData = null;
        secret.Type = string.IsNullOrEmpty(secret.Type) ? "Opaque" : secret.Type;
    }

    public static ErrorList ValidateConfigMap(V1ConfigMap cm)
    {
        var errs = new ErrorList(ObjectMetaValidation.ValidateCreate(cm.Metadata, FieldPath.Root("metadata")));
        var data = cm.Data ?? new Dictionary<string, string>();
        var binary = cm.BinaryData ?? new Dictionary<string, byte[]>();
        var total = 0L;
        foreach (var (key, value) in data.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            var path = FieldPath.Root("data").Key(key);
            errs.AddRange(IsConfigMapKey(key).Select(m => FieldError.Invalid(path, key, m)));
            if (binary.ContainsKey(key))
            {
                errs.Add(FieldError.Invalid(path, key, "duplicate of key present in binaryData"));
            }

            total += System.Text.Encoding.UTF8.GetByteCount(value ?? "");
        }

        foreach (var (key, value) in binary.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            errs.AddRange(IsConfigMapKey(key).Select(m => FieldError.Invalid(FieldPath.Root("binaryData").Key(key), key, m)));
            total += value?.Length ?? 0;
        }

        if (total > MaxSize)
        {
            errs.Add(FieldError.TooLong(FieldPath.Root(""), MaxSize));
        }

        return errs;
    }

    public static ErrorList ValidateConfigMapUpdate(V1ConfigMap cm, V1ConfigMap old)
    {
        var errs = new ErrorList(ObjectMetaValidation.ValidateUpdate(cm.Metadata, old.Metadata, FieldPath.Root("metadata")));
        if (old.Immutable == true)
        {
            errs.AddRange(ImmutableErrors(cm.Immutable, ("data", SameMap(cm.Data, old.Data)), ("binaryData", SameMap(cm.BinaryData, old.BinaryData))));
        }

        errs.AddRange(ValidateConfigMap(cm));
        return errs;
    }

    public static ErrorList ValidateSecret(V1Secret secret)
    {
        var errs = new ErrorList(ObjectMetaValidation.ValidateCreate(secret.Metadata, FieldPath.Root("metadata")));
        var dataPath = FieldPath.Root("data");
        var data = secret.Data ?? new Dictionary<string, byte[]>();
        var total = 0L;
        foreach (var (key, value) in data.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            errs.AddRange(IsConfigMapKey(key).Select(m => FieldError.Invalid(dataPath.Key(key), key, m)));
            total += value?.Length ?? 0;
        }

        if (total > MaxSize)
        {
            errs.Add(FieldError.TooLong(dataPath, MaxSize));
        }

        errs.AddRange(ValidateSecretType(secret, data, dataPath));
        return errs;
    }

    public static ErrorList ValidateSecretUpdate(V1Secret secret, V1Secret old)
    {
        var errs = new ErrorList(ObjectMetaValidation.ValidateUpdate(secret.Metadata, old.Metadata, FieldPath.Root("metadata")));
        if ((secret.Type ?? "") != (old.Type ?? ""))
        {
            errs.Add(FieldError.Invalid(FieldPath.Root("type"), secret.Type ?? "", ObjectMetaValidation.FieldImmutableErrorMsg));
        }

        if (old.Immutable == true)
        {
            errs.AddRange(ImmutableErrors(secret.Immutable, ("data", SameMap(secret.Data, old.Data))));
        }

        errs.AddRange(ValidateSecret(secret));
        return errs;
    }

    /// <summary>Mirrors IsConfigMapKey: at most 253 characters of [-._a-zA-Z0-9], not '.', '..' or starting with '..'.</summary>
    public static IReadOnlyList<string> IsConfigMapKey(string value)
    {
        var errs = new List<string>();
        if (value.Length > NameValidation.Dns1123SubdomainMaxLength)
        {
            errs.Add(NameValidation.MaxLenError(NameValidation.Dns1123SubdomainMaxLength));
        }

        if (!ConfigMapKeyRegex().IsMatch(value))
        {
            errs.Add(NameValidation.RegexError(ConfigMapKeyErrMsg, ConfigMapKeyFmt, "key.name", "KEY_NAME", "key-name"));
        }

        if (value == ".")
        {
            errs.Add("must not be '.'");
        }
        else if (value == "..")
        {
            errs.Add("must not be '..'");
        }
        else if (value.StartsWith("..", StringComparison.Ordinal))
        {
            errs.Add("must not start with '..'");
        }

        return errs;
    }

    /// <summary>The keys each built-in secret type requires (ValidateSecret's switch on secret.Type).</summary>
    private static IEnumerable<FieldError> ValidateSecretType(V1Secret secret, IDictionary<string, byte[]> data, FieldPath dataPath)
    {
        switch (secret.Type)
        {
            case "kubernetes.io/service-account-token":
                if (secret.Metadata?.Annotations?.TryGetValue("kubernetes.io/service-account.name", out var sa) != true || string.IsNullOrEmpty(sa))
                {
                    yield return FieldError.Required(FieldPath.Root("metadata", "annotations").Key("kubernetes.io/service-account.name"));
                }

                break;
            case "kubernetes.io/dockercfg" or "kubernetes.io/dockerconfigjson":
                var key = secret.Type == "kubernetes.io/dockercfg" ? ".dockercfg" : ".dockerconfigjson";
                if (!data.ContainsKey(key))
                {
                    yield return FieldError.Required(dataPath.Key(key));
                }

                break;
            case "kubernetes.io/basic-auth" when !data.ContainsKey("username") && !data.ContainsKey("password"):
                yield return FieldError.Required(dataPath.Key("username"));
                yield return FieldError.Required(dataPath.Key("password"));
                break;
            case "kubernetes.io/ssh-auth" when !data.TryGetValue("ssh-privatekey", out var sshKey) || sshKey is not { Length: > 0 }:
                yield return FieldError.Required(dataPath.Key("ssh-privatekey"));
                break;
            case "kubernetes.io/tls":
                foreach (var tlsKey in TlsKeys.Where(k => !data.ContainsKey(k)))
                {
                    yield return FieldError.Required(dataPath.Key(tlsKey));
                }

                break;
        }
    }

    private static IEnumerable<FieldError> ImmutableErrors(bool? immutable, params (string Field, bool Same)[] fields)
    {
        if (immutable != true)
        {
            yield return FieldError.Forbidden(FieldPath.Root("immutable"), ImmutableWhenSet);
        }

        foreach (var (field, _) in fields.Where(f => !f.Same))
        {
            yield return FieldError.Forbidden(FieldPath.Root(field), ImmutableWhenSet);
        }
    }

    /// <summary>reflect.DeepEqual of two maps where nil and empty differ only in Go; both count as empty here (the JSON round trip drops the difference).</summary>
    private static bool SameMap<TValue>(IDictionary<string, TValue>? a, IDictionary<string, TValue>? b)
    {
        a ??= new Dictionary<string, TValue>();
        b ??= new Dictionary<string, TValue>();
        return a.Count == b.Count && a.All(e => b.TryGetValue(e.Key, out var other) && ValueEquals(e.Value, other));
    }

    private static bool ValueEquals<TValue>(TValue x, TValue y) =>
        x is byte[] bx && y is byte[] by ? bx.AsSpan().SequenceEqual(by) : EqualityComparer<TValue>.Default.Equals(x, y);

    [GeneratedRegex("^" + ConfigMapKeyFmt + "\\z")]
    private static partial Regex ConfigMapKeyRegex();
}
