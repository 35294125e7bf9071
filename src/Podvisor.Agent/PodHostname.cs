using k8s.Models;

namespace Podvisor.Agent;

/// <summary>
/// Mirrors kubelet GeneratePodHostNameAndDomain: <c>spec.hostname</c> or the pod name, cut to 63 characters without a
/// trailing '-' or '.' (truncatePodHostnameIfNeeded), and the domain <c>SUBDOMAIN.NAMESPACE.svc.CLUSTER-DOMAIN</c>
/// when <c>spec.subdomain</c> is set.
/// </summary>
public static class PodHostname
{
    /// <summary>The kernel's nodename field holds 64 characters (GetNodenameForKernel's fqdnMaxLen).</summary>
    private const int MaxFqdnLength = 64;

    public static string Of(V1Pod pod)
    {
        var hostname = string.IsNullOrEmpty(pod.Spec.Hostname) ? pod.Metadata.Name : pod.Spec.Hostname;
        return hostname.Length <= 63 ? hostname : hostname[..63].TrimEnd('-', '.');
    }

    /// <summary>The pod's domain; empty without <c>spec.subdomain</c>.</summary>
    public static string Domain(V1Pod pod, string clusterDomain) =>
        string.IsNullOrEmpty(pod.Spec.Subdomain) ? "" : $"{pod.Spec.Subdomain}.{pod.Metadata.NamespaceProperty ?? "default"}.svc.{clusterDomain}";

    /// <summary>
    /// Mirrors GetNodenameForKernel: the sandbox's hostname, the FQDN with <c>setHostnameAsFQDN: true</c> and a
    /// subdomain. Throws <see cref="InvalidOperationException"/> with the kubelet's message when the FQDN does not fit.
    /// </summary>
    public static string ForKernel(V1Pod pod, string clusterDomain)
    {
        var (hostname, domain) = (Of(pod), Domain(pod, clusterDomain));
        if (domain.Length == 0 || pod.Spec.SetHostnameAsFQDN != true)
        {
            return hostname;
        }

        var fqdn = $"{hostname}.{domain}";
        return fqdn.Length <= MaxFqdnLength
            ? fqdn
            : throw new InvalidOperationException(
                $"failed to construct FQDN from pod hostname and cluster domain, FQDN {fqdn} is too long ({MaxFqdnLength} characters is the max, {fqdn.Length} characters requested)");
    }
}
