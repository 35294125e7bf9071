using k8s.Models;

namespace Podvisor.Core.Validation;

/// <summary>
/// Volume and volumeMount validation. Mirrors validation.go ValidateVolumes, validateVolumeSource (the source-count
/// rule, the emptyDir/hostPath checks and projected volumes' duplicate paths; sources Podvisor does not run are
/// rejected by <see cref="PodvisorAdmission"/>) and
/// ValidateVolumeMounts.
/// </summary>
public static partial class VolumeValidation
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

    private static List<FieldError> ValidateSource(V1Volume vol, FieldPath path)
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
                V1ConfigMapVolumeSource configMap => ValidateObjectSource(configMap.Name, "name", configMap.DefaultMode, configMap.Items, path.Child("configMap")),
                V1SecretVolumeSource secret => ValidateObjectSource(secret.SecretName, "secretName", secret.DefaultMode, secret.Items, path.Child("secret")),
                V1DownwardAPIVolumeSource downward => ValidateMode(downward.DefaultMode, path.Child("downwardAPI").Child("defaultMode"))
                    .Concat(ValidateDownwardApiFiles(downward.Items, path.Child("downwardAPI").Child("items"))),
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

    private const string FileModeErrorMsg = "must be a number between 0 and 0777 (octal), both inclusive";

    /// <summary>validateDownwardAPIVolumeFile's field paths (validVolumeDownwardAPIFieldPathExpressions).</summary>
    private static readonly string[] VolumeFieldPaths = ["metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"];

    /// <summary>validateConfigMapVolumeSource and validateSecretVolumeSource: the object's name, defaultMode, items.</summary>
    private static List<FieldError> ValidateObjectSource(string? name, string nameField, int? defaultMode, IList<V1KeyToPath>? items, FieldPath path)
    {
        var errs = new List<FieldError>();
        if (string.IsNullOrEmpty(name))
        {
            errs.Add(FieldError.Required(path.Child(nameField)));
        }

        errs.AddRange(ValidateMode(defaultMode, path.Child("defaultMode")));
        errs.AddRange(ValidateKeysToPaths(items, path.Child("items")));
        return errs;
    }

    /// <summary>Mirrors validateKeyToPath for each item: key and path required, a local non-reserved path, a file mode.</summary>
    private static IEnumerable<FieldError> ValidateKeysToPaths(IList<V1KeyToPath>? items, FieldPath path)
    {
        foreach (var (item, i) in (items ?? []).Select((k, i) => (k, i)))
        {
            var itemPath = path.Index(i);
            if (string.IsNullOrEmpty(item.Key))
            {
                yield return FieldError.Required(itemPath.Child("key"));
            }

            if (string.IsNullOrEmpty(item.Path))
            {
                yield return FieldError.Required(itemPath.Child("path"));
            }

            foreach (var error in ValidateLocalNonReservedPath(item.Path ?? "", itemPath.Child("path")).Concat(ValidateMode(item.Mode, itemPath.Child("mode"))))
            {
                yield return error;
            }
        }
    }

    /// <summary>Mirrors validateDownwardAPIVolumeFile for each item.</summary>
    private static List<FieldError> ValidateDownwardApiFiles(IList<V1DownwardAPIVolumeFile>? items, FieldPath path)
    {
        var errs = new List<FieldError>();
        foreach (var (file, i) in (items ?? []).Select((f, i) => (f, i)))
        {
            var filePath = path.Index(i);
            if (string.IsNullOrEmpty(file.Path))
            {
                errs.Add(FieldError.Required(filePath.Child("path")));
            }

            errs.AddRange(ValidateLocalNonReservedPath(file.Path ?? "", filePath.Child("path")));
            if (file.FieldRef is { } fieldRef)
            {
                errs.AddRange(ContainerFieldValidation.ValidateFieldRef(fieldRef, filePath.Child("fieldRef"), VolumeFieldPaths));
                if (file.ResourceFieldRef is not null)
                {
                    errs.Add(FieldError.Invalid(filePath, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously"));
                }
            }
            else if (file.ResourceFieldRef is { } resourceRef)
            {
                if (string.IsNullOrEmpty(resourceRef.ContainerName))
                {
                    errs.Add(FieldError.Required(filePath.Child("resourceFieldRef").Child("containerName")));
                }

                errs.AddRange(ContainerFieldValidation.ValidateResourceFieldRef(resourceRef, filePath.Child("resourceFieldRef")));
            }
            else
            {
                errs.Add(FieldError.Required(filePath, "one of fieldRef and resourceFieldRef is required"));
            }

            errs.AddRange(ValidateMode(file.Mode, filePath.Child("mode")));
        }

        return errs;
    }

    private static IEnumerable<FieldError> ValidateMode(int? mode, FieldPath path) =>
        mode is { } m && m is < 0 or > 0b111_111_111 ? [FieldError.Invalid(path, m, FileModeErrorMsg)] : [];

    private static IEnumerable<FieldError> ValidateEmptyDir(V1EmptyDirVolumeSource emptyDir, FieldPath path)
    {
        if (emptyDir.SizeLimit is { } limit && limit.ToDecimal() < 0)
        {
            yield return FieldError.Forbidden(path.Child("sizeLimit"), "SizeLimit field must be a valid resource quantity");
        }
    }

    /// <summary>Mirrors validateHostPathVolumeSource.</summary>
    private static List<FieldError> ValidateHostPath(V1HostPathVolumeSource hostPath, FieldPath path)
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

    private static List<FieldError> ValidateLocalDescendingPath(string target, FieldPath path)
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
    private static List<FieldError> ValidateLocalNonReservedPath(string target, FieldPath path)
    {
        var errs = ValidateLocalDescendingPath(target, path).ToList();
        if (target.StartsWith("..", StringComparison.Ordinal))
        {
            errs.Add(FieldError.Invalid(path, target, "must not start with '..'"));
        }

        return errs;
    }
}
