using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Podvisor.Core;
using Podvisor.Core.Model;

namespace Podvisor.Api;

/// <summary>How <see cref="PodvisorApiServer"/> listens and where it keeps its data.</summary>
public sealed record PodvisorApiServerOptions
{
    /// <summary><c>HOST:PORT</c>; port 0 reuses the port of the last run on this data dir when free, else picks one. Loopback unless a token file is given.</summary>
    public string Listen { get; init; } = "127.0.0.1:0";

    /// <summary>
    /// An address pods reach (the pod network's gateway): the API also listens there, on the same port, and every
    /// request there must carry a token (a ServiceAccount token or the admin token). Null: no pod listener.
    /// </summary>
    public System.Net.IPAddress? PodAddress { get; init; }

    /// <summary>Holds <c>podvisor.db</c>, <c>kubeconfig</c> and the container logs (<c>logs/</c>).</summary>
    public required string DataDir { get; init; }

    /// <summary>
    /// A file holding the bearer token every request must present; required for a non-loopback address. The API
    /// always serves HTTPS with a self-signed certificate (DATA/serving-cert.pfx) that the kubeconfig trusts.
    /// </summary>
    public string? TokenFile { get; init; }

    /// <summary>The node pods are bound to (<c>spec.nodeName</c>).</summary>
    public required string NodeName { get; init; }

    /// <summary>What the node object reports about this machine (its InternalIP, capacity, nodeInfo).</summary>
    public required HostFacts Host { get; init; }

    /// <summary>The node's <c>nodeInfo.containerRuntimeVersion</c> (NAME://VERSION).</summary>
    public string ContainerRuntimeVersion { get; init; } = Discovery.ServerVersion.ProcessRuntime;

    public FeatureGates FeatureGates { get; init; } = FeatureGates.Default;

    /// <summary>The agent's runtime runs images (<c>--runtime cri</c>): containers may omit <c>command</c>.</summary>
    public bool RunsImages { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
