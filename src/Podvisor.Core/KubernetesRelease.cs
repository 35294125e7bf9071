namespace Podvisor.Core;

/// <summary>The Kubernetes release whose node and apiserver behaviour Podvisor follows (docs/lifecycle.md §1).</summary>
public static class KubernetesRelease
{
    /// <summary>The release, as in the apiserver's <c>gitVersion</c>.</summary>
    public const string Version = "v1.36.0";

    /// <summary>MAJOR.MINOR, as in the kubelet's <c>kube-probe/1.36</c> user agent.</summary>
    public const string Minor = "1.36";
}
