using k8s.Models;

namespace Podvisor.Core.Validation;

public static partial class VolumeValidation
{
    /// <summary>
    /// Mirrors validateProjectedVolumeSource and validateProjectionSources, in upstream's order per source (secret,
    /// configMap, downwardAPI, serviceAccountToken, then "more than 1 volume type"): each source's own rules, the
    /// token's 10 minutes to 2^32 seconds and local path, and no two items writing one path (the error names the
    /// projected field with the source's name, or the item's path for downwardAPI and token items).
    /// </summary>
    private static List<FieldError> ValidateProjected(V1ProjectedVolumeSource projected, FieldPath path)
    {
        var errs = ValidateMode(projected.DefaultMode, path.Child("defaultMode")).ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (source, i) in (projected.Sources ?? []).Select((s, i) => (s, i)))
        {
            errs.AddRange(ValidateProjectionSource(source, path, path.Child("sources").Index(i), seen));
        }

        return errs;
    }

    /// <summary>One source of a projected volume at <paramref name="path"/>; its item paths join <paramref name="seen"/>.</summary>
    private static List<FieldError> ValidateProjectionSource(V1VolumeProjection source, FieldPath path, FieldPath sourcePath, HashSet<string> seen)
    {
        var errs = new List<FieldError>();
        var kinds = 0;
        if (source.Secret is { } secret)
        {
            kinds++;
            errs.AddRange(ValidateObjectSource(secret.Name, "name", null, secret.Items, sourcePath.Child("secret")));
            errs.AddRange((secret.Items ?? []).SelectMany(item => ClaimProjectedPath(seen, item.Path, secret.Name ?? "", path)));
        }

        if (source.ConfigMap is { } configMap)
        {
            kinds++;
            errs.AddRange(ValidateObjectSource(configMap.Name, "name", null, configMap.Items, sourcePath.Child("configMap")));
            errs.AddRange((configMap.Items ?? []).SelectMany(item => ClaimProjectedPath(seen, item.Path, configMap.Name ?? "", path)));
        }

        if (source.DownwardAPI is { } downward)
        {
            kinds++;
            errs.AddRange(ValidateDownwardApiFiles(downward.Items, sourcePath.Child("downwardAPI").Child("items")));
            errs.AddRange((downward.Items ?? []).SelectMany(item => ClaimProjectedPath(seen, item.Path, item.Path ?? "", path)));
        }

        if (source.ServiceAccountToken is { } token)
        {
            kinds++;
            errs.AddRange(ValidateTokenProjection(token, sourcePath.Child("serviceAccountToken"), path));
            errs.AddRange(ClaimProjectedPath(seen, token.Path, token.Path ?? "", path));
        }

        kinds += new object?[] { source.ClusterTrustBundle, source.PodCertificate }.Count(s => s is not null);
        if (kinds > 1)
        {
            errs.Add(FieldError.Forbidden(sourcePath, "may not specify more than 1 volume type per source"));
        }

        return errs;
    }

    /// <summary>A token's expiration and its path (which upstream checks on the projected field's path).</summary>
    private static List<FieldError> ValidateTokenProjection(V1ServiceAccountTokenProjection token, FieldPath tokenPath, FieldPath path)
    {
        var errs = new List<FieldError>();
        var seconds = token.ExpirationSeconds ?? 0;
        if (seconds < 10 * 60)
        {
            errs.Add(FieldError.Invalid(tokenPath.Child("expirationSeconds"), seconds, "may not specify a duration less than 10 minutes"));
        }

        if (seconds > 1L << 32)
        {
            errs.Add(FieldError.Invalid(tokenPath.Child("expirationSeconds"), seconds, "may not specify a duration larger than 2^32 seconds"));
        }

        errs.AddRange(string.IsNullOrEmpty(token.Path) ? [FieldError.Required(path.Child("path"))] : ValidateLocalNonReservedPath(token.Path, path.Child("path")));
        return errs;
    }

    /// <summary>Adds an item's path to <paramref name="seen"/>; one already there is a duplicate on the projected field.</summary>
    private static IEnumerable<FieldError> ClaimProjectedPath(HashSet<string> seen, string? itemPath, object value, FieldPath path) =>
        !string.IsNullOrEmpty(itemPath) && !seen.Add(itemPath) ? [FieldError.Invalid(path, value, "conflicting duplicate paths")] : [];
}
