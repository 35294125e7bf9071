using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Podvisor.Runtime.Cri;

public sealed record CriRuntimeOptions
{
    /// <summary>The kubelet's default <c>--container-runtime-endpoint</c> for containerd.</summary>
    public const string DefaultEndpoint = "unix:///run/containerd/containerd.sock";

    public string Endpoint { get; init; } = DefaultEndpoint;

    /// <summary>The agent's data dir: termination-log files live under it.</summary>
    public required string DataDir { get; init; }

    /// <summary>
    /// How often the full relist runs while an event stream is connected; it is the source of truth that finds a missed
    /// event. Without any event stream the relist runs every <see cref="FallbackRelistPeriod"/> (the kubelet's PLEG).
    /// </summary>
    public TimeSpan RelistPeriod { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan FallbackRelistPeriod { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The resolver handed to sandboxes (dnsPolicy Default).</summary>
    public string ResolvConf { get; init; } = "/etc/resolv.conf";

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
