using k8s.Models;
using Podvisor.Core;
using Podvisor.Core.Serialization;
using Podvisor.Core.Validation;

namespace Podvisor.Commands;

/// <summary>
/// Reads a manifest file and admits its pods exactly as the API would (strict decoding, defaults, validation,
/// Podvisor limits). Any problem is one message naming the file, for exit status 2.
/// </summary>
internal static class ManifestLoader
{
    public static (IReadOnlyList<V1Pod> Pods, string? Error) Load(string path, FeatureGates gates, bool runsImages = false)
    {
        string text;
        try
        {
            text = path == "-" ? Console.In.ReadToEnd() : File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ([], $"error: {path}: {ex.Message}");
        }

        var manifest = ManifestReader.Read(text, path);
        if (!manifest.IsValid)
        {
            return ([], manifest.ErrorText);
        }

        if (manifest.Pods.Count == 0)
        {
            return ([], $"error: {path}: no pods found");
        }

        var errors = new List<string>();
        foreach (var pod in manifest.Pods)
        {
            var invalid = PodAdmission.AdmitCreate(pod, gates, runsImages);
            if (!invalid.IsEmpty)
            {
                errors.Add($"{path}: {invalid.ToInvalidMessage("Pod", pod.Metadata?.Name ?? "")}");
            }
        }

        foreach (var duplicate in manifest.Pods.GroupBy(p => (p.Metadata.NamespaceProperty, p.Metadata.Name)).Where(g => g.Count() > 1))
        {
            errors.Add($"{path}: pods \"{duplicate.Key.Name}\" already exists");
        }

        return errors.Count > 0 ? ([], string.Join(Environment.NewLine, errors)) : (manifest.Pods, null);
    }
}
