using k8s.Models;
using Podvisor.Agent;
using Podvisor.Node.Abstractions;

namespace Podvisor.Run;

/// <summary>The ConfigMaps and Secrets of a <c>podvisor run</c> manifest: what the file's pods can reference.</summary>
public sealed class ManifestConfigObjects(IReadOnlyList<V1ConfigMap> configMaps, IReadOnlyList<V1Secret> secrets) : IConfigObjects
{
    public V1ConfigMap? GetConfigMap(string ns, string name) =>
        configMaps.FirstOrDefault(c => (c.Metadata.NamespaceProperty ?? "default") == ns && c.Metadata.Name == name);

    public V1Secret? GetSecret(string ns, string name) =>
        secrets.FirstOrDefault(s => (s.Metadata.NamespaceProperty ?? "default") == ns && s.Metadata.Name == name);
}
