using k8s.Models;

namespace Podvisor.Core.Validation;

/// <summary>
/// Volume and volumeMount validation. Mirrors validation.go ValidateVolumes, validateVolumeSource (the source-count
/// rule, the emptyDir/hostPath checks and projected volumes' duplicate paths; sources Podvisor does not run are
/// rejected by <see cref="PodvisorAdmission"/>) and
/// ValidateVolumeMounts.
/// </summary>
public static class VolumeValidation
{
    /// <summary>
    /// Volume source fields in upstream's check order, with the path upstream names in the "more than 1 volume type"
    /// error (including its "downwarAPI" and "cephFS" spellings).
    /// </summary>
    public static readonly IReadOnlyList<(string Name, string ForbiddenPath, Func<V1Volume, object?> Get)> Sources =
    [
        ("emptyDir", "emptyDir", v => v.EmptyDir),
        ("hostPath", "hostPath", v => v.HostPath),
        ("gitRepo", "gitRepo", v => v.GitRepo),
        ("gcePersistentDisk", "gcePersistentDisk", v => v.GcePersistentDisk),
        ("awsElasticBlockStore", "awsElasticBlockStore", v => v.AwsElasticBlockStore),
        ("secret", "secret", v => v.Secret),
        ("nfs", "nfs", v => v.Nfs),
        ("iscsi", "iscsi", v => v.Iscsi),
        ("glusterfs", "glusterfs", v => v.Glusterfs),
        ("flocker", "flocker", v => v.Flocker),
        ("persistentVolumeClaim", "persistentVolumeClaim", v => v.PersistentVolumeClaim),
        ("rbd", "rbd", v => v.Rbd),
        ("cinder", "cinder", v => v.Cinder),
        ("cephfs", "cephFS", v => v.Cephfs),
        ("quobyte", "quobyte", v => v.Quobyte),
        ("downwardAPI", "downwarAPI", v => v.DownwardAPI),
        ("fc", "fc", v => v.Fc),
        ("flexVolume", "flexVolume", v => v.FlexVolume),
        ("configMap", "configMap", v => v.ConfigMap),
        ("azureFile", "azureFile", v => v.AzureFile),
        ("vsphereVolume", "vsphereVolume", v => v.VsphereVolume),
        ("photonPersistentDisk", "photonPersistentDisk", v => v.PhotonPersistentDisk),
        ("portworxVolume", "portworxVolume", v => v.PortworxVolume),
        ("azureDisk", "azureDisk", v => v.AzureDisk),
        ("storageos", "storageos", v => v.Storageos),
        ("projected", "projected", v => v.Projected),
        ("scaleIO", "scaleIO", v => v.ScaleIO),
        ("csi", "csi", v => v.Csi),
        ("ephemeral", "ephemeral", v => v.Ephemeral),
        ("image", "image", v => v.Image),
    ];

    /// <summary>sets.List order of supportedHostPathTypes.</summary>
    private static readonly string[] SupportedHostPathTypes =
        ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"];

    /// <summary>
    /// Mirrors ValidateVolumes: names are required DNS-1123 labels and unique; a volume with any error is left out of
    /// the returned map, so mounts naming it are reported as not found (as upstream).
    /// </summary>
    public static IReadOnlyDictionary<string, V1Volume> ValidateVolumes(IList<V1Volume>? volumes, FieldPath path, ErrorList errs)
    {
        var valid = new Dictionary<string, V1Volume>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (volumes?.Count ?? 0); i++)
        {
            var vol = volumes![i];
            var idxPath = path.Index(i);
            var namePath = idxPath.Child("name");
            var el = ValidateSource(vol, idxPath).ToList();
            if (string.IsNullOrEmpty(vol.Name))
            {
                el.Add(FieldError.Required(namePath));
            }
            else
            {
                el.AddRange(NameValidation.IsDns1123Label(vol.Name).Select(m => FieldError.Invalid(namePath, vol.Name, m)));
            }

            if (names.Contains(vol.Name ?? ""))
            {
                el.Add(FieldError.Duplicate(namePath, vol.Name ?? ""));
            }

            if (el.Count == 0)
            {
                names.Add(vol.Name!);
                valid[vol.Name!] = vol;
            }

            errs.AddRange(el);
        }

        return valid;
    }

    /// <summary>The names of the source fields set on <paramref name="volume"/>, in upstream order.</summary>
    public static IEnumerable<string> SetSources(V1Volume volume) => Sources.Where(s => s.Get(volume) is not null).Select(s => s.Name);

    private static IEnumerable<FieldError> ValidateSource(V1Volume vol, FieldPath path)
    {
        var errs = new List<FieldError>();
        var count = 0;
        foreach (var (_, forbiddenPath, get) in Sources)
        {
            var source = get(vol);
            if (source is null)
            {
                continue;
            }

            if (count++ > 0)
            {
                errs.Add(FieldError.Forbidden(path.Child(forbiddenPath), "may not specify more than 1 volume type"));
                continue;
            }

            errs.AddRange(source switch
            {
                V1EmptyDirVolumeSource emptyDir => ValidateEmptyDir(emptyDir, path.Child("emptyDir")),
                V1HostPathVolumeSource hostPath => ValidateHostPath(hostPath, path.Child("hostPath")),
                V1ProjectedVolumeSource projected => ValidateProjected(projected, path.Child("projected")),
                _ => [],
            });
        }

        if (count == 0)
        {
            errs.Add(FieldError.Required(path, "must specify a volume type"));
        }

        return errs;
    }

    /// <summary>
    /// validateProjectionSources' serviceAccountToken rules (10 minutes to 2^32 seconds, a local path) and its path rule:
    /// no two items of a projected volume's sources may write the same path (the error names the projected field with
    /// the source's name, or the path for downwardAPI and token items, as upstream).
    /// </summary>
    private static IEnumerable<FieldError> ValidateProjected(V1ProjectedVolumeSource projected, FieldPath path)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (source, i) in (projected.Sources ?? []).Select((s, i) => (s, i)))
        {
            if (source.ServiceAccountToken is { } token)
            {
                var tokenPath = path.Child("sources").Index(i).Child("serviceAccountToken");
                var seconds = token.ExpirationSeconds ?? 0;
                if (seconds < 10 * 60)
                {
                    yield return FieldError.Invalid(tokenPath.Child("expirationSeconds"), seconds, "may not specify a duration less than 10 minutes");
                }

                if (seconds > 1L << 32)
                {
                    yield return FieldError.Invalid(tokenPath.Child("expirationSeconds"), seconds, "may not specify a duration larger than 2^32 seconds");
                }

                if (string.IsNullOrEmpty(token.Path))
                {
                    yield return FieldError.Required(path.Child("path"));
                }
                else
                {
                    foreach (var error in ValidateLocalNonReservedPath(token.Path, path.Child("path")))
                    {
                        yield return error;
                    }
                }
            }

            var items = source.ConfigMap?.Items?.Select(i => (i.Path, Value: source.ConfigMap.Name))
                ?? source.Secret?.Items?.Select(i => (i.Path, Value: source.Secret.Name))
                ?? source.DownwardAPI?.Items?.Select(i => (i.Path, Value: i.Path))
                ?? (source.ServiceAccountToken is { } t ? Enumerable.Repeat((t.Path, Value: t.Path), 1) : []);
            foreach (var (itemPath, value) in items)
            {
                if (!string.IsNullOrEmpty(itemPath) && !seen.Add(itemPath))
                {
                    yield return FieldError.Invalid(path, value, "conflicting duplicate paths");
                }
            }
        }
    }

    private static IEnumerable<FieldError> ValidateEmptyDir(V1EmptyDirVolumeSource emptyDir, FieldPath path)
    {
        if (emptyDir.SizeLimit is { } limit && limit.ToDecimal() < 0)
        {
            yield return FieldError.Forbidden(path.Child("sizeLimit"), "SizeLimit field must be a valid resource quantity");
        }
    }

    /// <summary>Mirrors validateHostPathVolumeSource.</summary>
    private static IEnumerable<FieldError> ValidateHostPath(V1HostPathVolumeSource hostPath, FieldPath path)
    {
        if (string.IsNullOrEmpty(hostPath.Path))
        {
            return [FieldError.Required(path.Child("path"))];
        }

        var errs = ValidatePathNoBacksteps(hostPath.Path, path.Child("path")).ToList();
        if (hostPath.Type is { } type && !SupportedHostPathTypes.Contains(type))
        {
            errs.Add(FieldError.NotSupported(path.Child("type"), type, SupportedHostPathTypes));
        }

        return errs;
    }

    /// <summary>
    /// Mirrors ValidateVolumeMounts: name required and declared (<c>Not found</c>), mountPath required and unique,
    /// subPath relative without backsteps (reported on the list path, as upstream does).
    /// </summary>
    public static IEnumerable<FieldError> ValidateVolumeMounts(
        IList<V1VolumeMount>? mounts, IReadOnlyDictionary<string, V1Volume> volumes, FieldPath path)
    {
        var errs = new List<FieldError>();
        var mountPoints = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (mounts?.Count ?? 0); i++)
        {
            var mnt = mounts![i];
            var idxPath = path.Index(i);
            if (string.IsNullOrEmpty(mnt.Name))
            {
                errs.Add(FieldError.Required(idxPath.Child("name")));
            }

            if (!volumes.ContainsKey(mnt.Name ?? ""))
            {
                errs.Add(FieldError.NotFound(idxPath.Child("name"), mnt.Name ?? ""));
            }

            if (string.IsNullOrEmpty(mnt.MountPath))
            {
                errs.Add(FieldError.Required(idxPath.Child("mountPath")));
            }

            if (!mountPoints.Add(mnt.MountPath ?? ""))
            {
                errs.Add(FieldError.Invalid(idxPath.Child("mountPath"), mnt.MountPath ?? "", "must be unique"));
            }

            if (!string.IsNullOrEmpty(mnt.SubPath))
            {
                errs.AddRange(ValidateLocalDescendingPath(mnt.SubPath, path.Child("subPath")));
            }

            if (!string.IsNullOrEmpty(mnt.SubPathExpr))
            {
                if (!string.IsNullOrEmpty(mnt.SubPath))
                {
                    errs.Add(FieldError.Invalid(idxPath.Child("subPathExpr"), mnt.SubPathExpr, "subPathExpr and subPath are mutually exclusive"));
                }

                errs.AddRange(ValidateLocalDescendingPath(mnt.SubPathExpr, path.Child("subPathExpr")));
            }
        }

        return errs;
    }

    /// <summary>Mirrors validatePathNoBacksteps.</summary>
    public static IEnumerable<FieldError> ValidatePathNoBacksteps(string target, FieldPath path) =>
        target.Split('/').Contains("..") ? [FieldError.Invalid(path, target, "must not contain '..'")] : [];

    private static IEnumerable<FieldError> ValidateLocalDescendingPath(string target, FieldPath path)
    {
        var errs = new List<FieldError>();
        if (target.StartsWith('/'))
        {
            errs.Add(FieldError.Invalid(path, target, "must be a relative path"));
        }

        errs.AddRange(ValidatePathNoBacksteps(target, path));
        return errs;
    }

    /// <summary>Mirrors validateLocalNonReservedPath: a local descending path that does not start with "..".</summary>
    private static IEnumerable<FieldError> ValidateLocalNonReservedPath(string target, FieldPath path)
    {
        var errs = ValidateLocalDescendingPath(target, path).ToList();
        if (target.StartsWith("..", StringComparison.Ordinal))
        {
            errs.Add(FieldError.Invalid(path, target, "must not start with '..'"));
        }

        return errs;
    }
}
