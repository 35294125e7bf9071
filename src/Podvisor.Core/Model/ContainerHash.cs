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
