using k8s.Models;

namespace Podvisor.Core.Validation;

/// <summary>
/// Podvisor's own admission limits, on top of apiserver validation and rendered the same way (docs/contracts.md §3): containers
/// are host processes, so every init and regular container needs an explicit <c>command</c> or <c>args</c> (the argv);
/// only emptyDir, hostPath, configMap, secret, downwardAPI and projected volumes exist; there are no block devices or files to draw env from.
/// </summary>
public static class PodvisorAdmission
{
    public const string CommandRequired = "podvisor runs containers as host processes and cannot read an image's entrypoint; set command or args";
    public const string VolumeSourceForbidden = "podvisor supports only emptyDir, hostPath, configMap, secret, downwardAPI and projected volumes";
    public const string FileKeyRefForbidden = "podvisor does not support fileKeyRef";
    public const string VolumeDevicesForbidden = "podvisor does not support block volumeDevices";

    private static readonly HashSet<string> SupportedVolumeSources = ["emptyDir", "hostPath", "configMap", "secret", "downwardAPI", "projected"];

    /// <summary>
    /// The Podvisor-specific errors for <paramref name="pod"/>; empty when Podvisor can run it. With
    /// <paramref name="runsImages"/> (the CRI runtime) a container may omit <c>command</c>: its image supplies it.
    /// </summary>
    public static ErrorList Validate(V1Pod pod, bool runsImages = false)
    {
        var spec = pod.Spec ?? new V1PodSpec();
        var specPath = FieldPath.Root("spec");
        var errs = new ErrorList();
        errs.AddRange(ValidateVolumes(spec.Volumes, specPath.Child("volumes")));
        errs.AddRange(ValidateContainers(spec.InitContainers, specPath.Child("initContainers"), runsImages));
        errs.AddRange(ValidateContainers(spec.Containers, specPath.Child("containers"), runsImages));
        return errs;
    }

    private static IEnumerable<FieldError> ValidateVolumes(IList<V1Volume>? volumes, FieldPath path) =>
        (volumes ?? []).SelectMany((volume, i) => VolumeValidation.SetSources(volume)
            .Where(source => !SupportedVolumeSources.Contains(source))
            .Select(source => FieldError.Forbidden(path.Index(i).Child(source), VolumeSourceForbidden)));

    private static List<FieldError> ValidateContainers(IList<V1Container>? containers, FieldPath path, bool runsImages)
    {
        var errs = new List<FieldError>();
        for (var i = 0; i < (containers?.Count ?? 0); i++)
        {
            var c = containers![i];
            var idxPath = path.Index(i);
            if (!runsImages && c.Command is not { Count: > 0 } && c.Args is not { Count: > 0 })
            {
                errs.Add(FieldError.Required(idxPath.Child("command"), CommandRequired));
            }

            errs.AddRange(ValidateEnvSources(c.Env, idxPath.Child("env")));
            if (c.VolumeDevices is { Count: > 0 })
            {
                errs.Add(FieldError.Forbidden(idxPath.Child("volumeDevices"), VolumeDevicesForbidden));
            }
        }

        return errs;
    }

    private static IEnumerable<FieldError> ValidateEnvSources(IList<V1EnvVar>? env, FieldPath path) =>
        (env ?? []).Select((e, i) => (e, i)).Where(x => x.e.ValueFrom?.FileKeyRef is not null)
            .Select(x => FieldError.Forbidden(path.Index(x.i).Child("valueFrom").Child("fileKeyRef"), FileKeyRefForbidden));
}
