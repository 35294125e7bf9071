using k8s.Models;

namespace Podvisor.Agent;

/// <summary>
/// Mirrors kubelet GeneratePodHostNameAndDomain: <c>spec.hostname</c> or the pod name, cut to 63 characters without a
/// trailing '-' or '.' (truncatePodHostnameIfNeeded).
/// </summary>
public static class PodHostname
{
    public static string Of(V1Pod pod)
    {
        var hostname = string.IsNullOrEmpty(pod.Spec.Hostname) ? pod.Metadata.Name : pod.Spec.Hostname;
        return hostname.Length <= 63 ? hostname : hostname[..63].TrimEnd('-', '.');
    }
}
