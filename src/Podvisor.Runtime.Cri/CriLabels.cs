namespace Podvisor.Runtime.Cri;

/// <summary>
/// Labels and annotations Podvisor puts on CRI objects, as the kubelet's io.kubernetes.* ones (pkg/kubelet/kuberuntime
/// labels.go) but under its own prefix, so a kubelet sharing the runtime never mistakes them for its pods. A new
/// agent finds its sandboxes and containers by <see cref="Managed"/> and reads everything else back from them.
/// </summary>
internal static class CriLabels
{
    public const string Managed = "podvisor.dev/managed";
    public const string PodUid = "podvisor.dev/pod-uid";
    public const string PodName = "podvisor.dev/pod-name";
    public const string PodNamespace = "podvisor.dev/pod-namespace";
    public const string ContainerName = "podvisor.dev/container-name";

    // Annotations.
    public const string ContainerHash = "podvisor.dev/container-hash";
    public const string RestartCount = "podvisor.dev/restart-count";
    public const string TerminationLog = "podvisor.dev/termination-log";
    public const string SandboxConfig = "podvisor.dev/sandbox-config";

    public static Dictionary<string, string> PodLabels(string uid, string name, string ns) => new()
    {
        [Managed] = "true",
        [PodUid] = uid,
        [PodName] = name,
        [PodNamespace] = ns,
    };

    public static Dictionary<string, string> ManagedSelector() => new() { [Managed] = "true" };
}
