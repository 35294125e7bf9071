using System.Globalization;
using Google.Protobuf;
using Podvisor.Runtime.Process;
using V1 = Podvisor.Runtime.Cri.V1;

namespace Podvisor.Runtime.Cri;

/// <summary>
/// Our sandbox/container records → CRI v1 messages, as the kubelet builds them (pkg/kubelet/kuberuntime
/// kuberuntime_sandbox.go generatePodSandboxConfig, kuberuntime_container.go generateContainerConfig,
/// kuberuntime_container_linux.go generateLinuxContainerResources). The only place that knows both shapes.
/// </summary>
internal static class CriConfigMapping
{
    // helpers_linux.go: minShares, sharesPerCPU, milliCPUToCPU, maxShares, quotaPeriod, minQuotaPeriod.
    private const long MinShares = 2;
    private const long SharesPerCpu = 1024;
    private const long MilliCpuToCpu = 1000;
    private const long MaxShares = 262144;
    private const long QuotaPeriod = 100_000;
    private const long MinQuotaPeriod = 1000;

    public static V1.PodSandboxConfig Sandbox(PodSandboxConfig config, string logDirectory, V1.DNSConfig dns)
    {
        var sandbox = new V1.PodSandboxConfig
        {
            Metadata = new V1.PodSandboxMetadata { Name = config.Name, Namespace = config.Namespace, Uid = config.PodUid, Attempt = config.Attempt },
            Hostname = config.Hostname,
            LogDirectory = logDirectory,
            DnsConfig = dns,
            Linux = new V1.LinuxPodSandboxConfig
            {
                SecurityContext = new V1.LinuxSandboxSecurityContext
                {
                    NamespaceOptions = new V1.NamespaceOption
                    {
                        Network = config.HostNetwork ? V1.NamespaceMode.Node : V1.NamespaceMode.Pod,
                        Pid = V1.NamespaceMode.Container,
                        Ipc = V1.NamespaceMode.Pod,
                    },
                },
            },
        };
        sandbox.Labels.Add(CriLabels.PodLabels(config.PodUid, config.Name, config.Namespace));
        return sandbox;
    }

    public static V1.ContainerConfig Container(V1.PodSandboxConfig sandbox, ContainerConfig config, string terminationLogFile)
    {
        var meta = sandbox.Metadata;
        var container = new V1.ContainerConfig
        {
            Metadata = new V1.ContainerMetadata { Name = config.Name, Attempt = (uint)config.RestartCount },
            Image = new V1.ImageSpec { Image = config.Image, UserSpecifiedImage = config.Image },
            WorkingDir = config.WorkingDir ?? "",
            LogPath = Path.GetRelativePath(sandbox.LogDirectory, config.LogPath),
            Linux = new V1.LinuxContainerConfig
            {
                Resources = Resources(config.Resources),
                SecurityContext = new V1.LinuxContainerSecurityContext
                {
                    NamespaceOptions = sandbox.Linux.SecurityContext.NamespaceOptions.Clone(),
                    RunAsUser = config.RunAsUser is { } uid ? new V1.Int64Value { Value = uid } : null,
                    RunAsGroup = config.RunAsGroup is { } gid ? new V1.Int64Value { Value = gid } : null,
                    Privileged = config.Security.Privileged,
                    Capabilities = new V1.Capability { AddCapabilities = { config.Security.AddCapabilities }, DropCapabilities = { config.Security.DropCapabilities } },
                    NoNewPrivs = config.Security.NoNewPrivileges,
                    ReadonlyRootfs = config.Security.ReadOnlyRootFilesystem,
                },
            },
        };
        container.Command.Add(config.Command);
        container.Args.Add(config.Args);
        container.Envs.Add(config.Env.Select(e => new V1.KeyValue { Key = e.Key, Value = e.Value }));
        container.Mounts.Add(Mounts(config, terminationLogFile));
        container.Labels.Add(CriLabels.PodLabels(meta.Uid, meta.Name, meta.Namespace));
        container.Labels[CriLabels.ContainerName] = config.Name;
        container.Annotations[CriLabels.ContainerHash] = config.Hash;
        container.Annotations[CriLabels.RestartCount] = config.RestartCount.ToString(CultureInfo.InvariantCulture);
        container.Annotations[CriLabels.TerminationLog] = terminationLogFile;
        return container;
    }

    /// <summary>
    /// The container's mounts plus, as the kubelet's makeMounts, its termination-log file at terminationMessagePath
    /// (private propagation, the kubelet's default).
    /// </summary>
    public static IEnumerable<V1.Mount> Mounts(ContainerConfig config, string terminationLogFile)
    {
        var mounts = config.Mounts.Select(m => new V1.Mount { HostPath = m.HostPath, ContainerPath = m.ContainerPath, Readonly = m.ReadOnly });
        return string.IsNullOrEmpty(config.TerminationMessagePath)
            ? mounts
            : mounts.Append(new V1.Mount { HostPath = terminationLogFile, ContainerPath = config.TerminationMessagePath });
    }

    /// <summary>Mirrors generateLinuxContainerResources: cpu shares from the request (else the limit), CFS quota from the limit.</summary>
    public static V1.LinuxContainerResources Resources(ContainerResources resources)
    {
        var linux = new V1.LinuxContainerResources
        {
            CpuShares = MilliCpuToShares(resources.CpuRequestMilli ?? resources.CpuLimitMilli ?? 0),
            MemoryLimitInBytes = resources.MemoryLimitBytes ?? 0,
        };
        if (resources.CpuLimitMilli is { } limit)
        {
            linux.CpuPeriod = QuotaPeriod;
            linux.CpuQuota = MilliCpuToQuota(limit, QuotaPeriod);
        }

        return linux;
    }

    /// <summary>Mirrors helpers_linux.go milliCPUToShares.</summary>
    public static long MilliCpuToShares(long milliCpu) =>
        milliCpu == 0 ? MinShares : Math.Clamp(milliCpu * SharesPerCpu / MilliCpuToCpu, MinShares, MaxShares);

    /// <summary>Mirrors helpers_linux.go milliCPUToQuota.</summary>
    public static long MilliCpuToQuota(long milliCpu, long period) =>
        milliCpu == 0 ? 0 : Math.Max(milliCpu * period / MilliCpuToCpu, MinQuotaPeriod);

    /// <summary>
    /// The node's resolver for the sandbox, as the kubelet's dnsPolicy Default (and ClusterFirst without a cluster DNS)
    /// does: nameservers, search domains and options of the host's <c>/etc/resolv.conf</c>.
    /// </summary>
    public static V1.DNSConfig HostDns(string resolvConf)
    {
        var dns = new V1.DNSConfig();
        foreach (var line in resolvConf.Split('\n'))
        {
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2)
            {
                continue;
            }

            var target = fields[0] switch
            {
                "nameserver" => dns.Servers,
                "search" => dns.Searches,
                "options" => dns.Options,
                _ => null,
            };
            target?.Add(fields[0] == "nameserver" ? fields[1..2] : fields[1..]);
        }

        return dns;
    }

    /// <summary>The sandbox config kept with the sandbox (CreateContainer needs it again after an agent restart).</summary>
    public static string Encode(V1.PodSandboxConfig config) => config.ToByteString().ToBase64();

    public static V1.PodSandboxConfig Decode(string encoded) => V1.PodSandboxConfig.Parser.ParseFrom(ByteString.FromBase64(encoded));
}
