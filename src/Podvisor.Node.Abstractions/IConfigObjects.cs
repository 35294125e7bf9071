using k8s.Models;

namespace Podvisor.Node.Abstractions;

/// <summary>
/// The ConfigMaps and Secrets pods reference (the kubelet's configmap.Manager and secret.Manager): read by namespace
/// and name when a container's env or a volume needs them; null when there is none. Implementations must be
/// thread-safe, must not block, and must not hand out objects that change afterwards.
/// </summary>
public interface IConfigObjects
{
    V1ConfigMap? GetConfigMap(string ns, string name);

    V1Secret? GetSecret(string ns, string name);
}

/// <summary>No ConfigMaps or Secrets: every reference is "not found" (optional ones resolve to nothing).</summary>
public sealed class NoConfigObjects : IConfigObjects
{
    public static NoConfigObjects Instance { get; } = new();

    public V1ConfigMap? GetConfigMap(string ns, string name) => null;

    public V1Secret? GetSecret(string ns, string name) => null;
}
