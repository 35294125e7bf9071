using k8s;

namespace Podvisor.Core.Model;

/// <summary>The one deep copy of Kubernetes API objects (the generated DeepCopy of the Go types).</summary>
public static class KubeObject
{
    /// <summary>A copy of <paramref name="value"/> that shares nothing with it, made by a JSON round trip.</summary>
    public static T DeepCopy<T>(T value) => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(value));
}
