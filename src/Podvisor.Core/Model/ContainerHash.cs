using System.Security.Cryptography;
using System.Text;
using k8s;
using k8s.Models;

namespace Podvisor.Core.Model;

/// <summary>Mirrors kubecontainer.HashContainer: a stable hash of the container spec; a change restarts the container.</summary>
public static class ContainerHash
{
    public static string Compute(V1Container container)
    {
        var json = KubernetesJson.Serialize(container);
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(json));
        return Convert.ToHexStringLower(bytes.AsSpan(0, 8));
    }
}

/// <summary>
/// The hashes of one pod version's containers, computed once. Hashing serializes the container (about 2 µs each), which
/// would otherwise dominate every plan; the agent makes one memo per pod it is handed (an update is handed over again).
/// Lookups are by reference, so a container that is not part of the memoized pod version is hashed on the spot.
/// </summary>
public sealed class ContainerHashes
{
    private readonly Dictionary<V1Container, string> _hashes = new(ReferenceEqualityComparer.Instance);

    private ContainerHashes()
    {
    }

    public static ContainerHashes Of(V1PodSpec spec)
    {
        var memo = new ContainerHashes();
        foreach (var container in (spec.InitContainers ?? []).Concat(spec.Containers ?? []))
        {
            memo._hashes[container] = ContainerHash.Compute(container);
        }

        return memo;
    }

    public string Get(V1Container container) =>
        _hashes.TryGetValue(container, out var hash) ? hash : ContainerHash.Compute(container);
}
