using k8s;
using k8s.Models;

namespace Podvisor.Core.Model;

/// <summary>The one deep copy of Kubernetes API objects (the generated DeepCopy of the Go types).</summary>
public static class KubeObject
{
    /// <summary>A copy of <paramref name="value"/> that shares nothing with it, made by a JSON round trip.</summary>
    public static T DeepCopy<T>(T value) => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(value));

    /// <summary>
    /// A new Pod with a copy of <paramref name="pod"/>'s metadata edited by <paramref name="change"/>; spec and status
    /// are shared, and <paramref name="pod"/> is left as it was.
    /// </summary>
    public static V1Pod WithMetadata(V1Pod pod, Action<V1ObjectMeta> change)
    {
        var metadata = DeepCopy(pod.Metadata);
        change(metadata);
        return new V1Pod { ApiVersion = pod.ApiVersion, Kind = pod.Kind, Metadata = metadata, Spec = pod.Spec, Status = pod.Status };
    }
}
