using System.Text;
using k8s.Models;

namespace Podvisor.Agent.Volumes;

/// <summary>
/// Mirrors the kubelet's managed hosts file (kubelet_pods.go makeHostsMount, ensureHostsFile): <c>DATA/pods/UID/etc-hosts</c>,
/// rewritten (0644, same inode) at each container start and mounted read-write at /etc/hosts.
/// </summary>
public static class EtcHosts
{
    public const string ContainerPath = "/etc/hosts";

    private const string ManagedHeader = "# Kubernetes-managed hosts file.\n";
    private const string HostNetworkHeader = "# Kubernetes-managed hosts file (host network).\n";

    /// <summary>
    /// shouldMountHostsFile and makeMounts: the pod has an IP or uses the host network, and the container mounts no
    /// volume at /etc/hosts itself.
    /// </summary>
    public static bool ShouldMount(V1Pod pod, V1Container container, string? podIp) =>
        (podIp is not null || pod.Spec.HostNetwork == true) && container.VolumeMounts?.Any(m => m.MountPath == ContainerPath) != true;

    /// <summary>
    /// The file's content: for a hostNetwork pod the node's hosts file under its own header (nodeHostsFileContent),
    /// else localhost, the IPv6 names and the pod's IPs with its FQDN when it has a domain (managedHostsFileContent);
    /// either way followed by the hostAliases.
    /// </summary>
    public static string Content(
        IReadOnlyList<string> podIps, string hostname, string domain, IList<V1HostAlias>? hostAliases, bool hostNetwork, Func<string> nodeHosts)
    {
        var text = new StringBuilder();
        if (hostNetwork)
        {
            text.Append(HostNetworkHeader).Append(nodeHosts());
        }
        else
        {
            text.Append(ManagedHeader)
                .Append("127.0.0.1\tlocalhost\n")
                .Append("::1\tlocalhost ip6-localhost ip6-loopback\n")
                .Append("fe00::0\tip6-localnet\n")
                .Append("fe00::0\tip6-mcastprefix\n")
                .Append("fe00::1\tip6-allnodes\n")
                .Append("fe00::2\tip6-allrouters\n");
            foreach (var ip in podIps)
            {
                text.Append(ip).Append('\t').Append(domain.Length > 0 ? $"{hostname}.{domain}\t{hostname}" : hostname).Append('\n');
            }
        }

        // hostsEntriesFromHostAliases: one line per alias entry, its hostnames tab-separated.
        if (hostAliases is { Count: > 0 })
        {
            text.Append("\n# Entries added by HostAliases.\n");
            foreach (var alias in hostAliases)
            {
                text.Append(alias.Ip).Append('\t').AppendJoin('\t', alias.Hostnames ?? []).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>ensureHostsFile: writes the content in place (running containers keep the bound inode).</summary>
    public static void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
    }
}
