using k8s.Models;
using Podvisor.Core;
using Podvisor.Core.Serialization;
using Podvisor.Core.Validation;

namespace Podvisor.Commands;

/// <summary>
/// Reads a manifest file and admits its pods, ConfigMaps and Secrets exactly as the API would (strict decoding,
/// defaults, validation, Podvisor limits). Any problem is one message naming the file, for exit status 2.
/// </summary>
internal static class ManifestLoader
{
    public static (ManifestResult? Manifest, string? Error) Load(string path, FeatureGates gates, bool runsImages = false)
    {
        string text;
        try
        {
            text = path == "-" ? Console.In.ReadToEnd() : File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, $"error: {path}: {ex.Message}");
        }

        var manifest = ManifestReader.Read(text, path);
        if (!manifest.IsValid)
        {
            return (null, manifest.ErrorText);
        }

        if (manifest.Pods.Count == 0)
        {
            return (null, $"error: {path}: no pods found");
        }

        var errors = new List<string>();
        foreach (var pod in manifest.Pods)
        {
            AddInvalid(errors, path, "Pod", pod.Metadata ?? new V1ObjectMeta(), PodAdmission.AdmitCreate(pod, gates, runsImages));
        }

        foreach (var configMap in manifest.ConfigMaps)
        {
            configMap.Metadata ??= new V1ObjectMeta();
            configMap.Metadata.NamespaceProperty ??= "default";
            AddInvalid(errors, path, "ConfigMap", configMap.Metadata, ConfigObjectValidation.ValidateConfigMap(configMap));
        }

        foreach (var secret in manifest.Secrets)
        {
            secret.Metadata ??= new V1ObjectMeta();
            secret.Metadata.NamespaceProperty ??= "default";
            ConfigObjectValidation.DefaultSecret(secret);
            AddInvalid(errors, path, "Secret", secret.Metadata, ConfigObjectValidation.ValidateSecret(secret));
        }

        AddDuplicates(errors, path, "pods", manifest.Pods.Select(p => p.Metadata));
        AddDuplicates(errors, path, "configmaps", manifest.ConfigMaps.Select(c => c.Metadata));
        AddDuplicates(errors, path, "secrets", manifest.Secrets.Select(s => s.Metadata));
        return errors.Count > 0 ? (null, string.Join(Environment.NewLine, errors)) : (manifest, null);
    }

    private static void AddInvalid(List<string> errors, string path, string kind, V1ObjectMeta metadata, ErrorList invalid)
    {
        if (!invalid.IsEmpty)
        {
            errors.Add($"{path}: {invalid.ToInvalidMessage(kind, metadata.Name ?? "")}");
        }
    }

    /// <summary>The apiserver's AlreadyExists for a second object of a kind with the same namespace and name.</summary>
    private static void AddDuplicates(List<string> errors, string path, string resource, IEnumerable<V1ObjectMeta> objects)
    {
        foreach (var duplicate in objects.GroupBy(m => (m.NamespaceProperty, m.Name)).Where(g => g.Count() > 1))
        {
            errors.Add($"{path}: {resource} \"{duplicate.Key.Name}\" already exists");
        }
    }
}
