using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using Podvisor.Agent;
using Podvisor.Api;
using Podvisor.Commands;
using Podvisor.Core.Model;
using Podvisor.Node.Abstractions;
using Podvisor.Runtime;
using Podvisor.Runtime.Cri;
using Podvisor.Runtime.Process;

namespace Podvisor.Node;

/// <summary>
/// The one composition root of a node: the host's facts (read once), the runtime named by <see cref="NodeOptions.Runtime"/>,
/// the agent over it and, for <c>serve</c>, the API in front of it. <c>run</c>, <c>serve</c>, the bench and the test
/// harnesses build their node here. Disposing disposes the agent, then the API, then the runtime.
/// </summary>
public sealed class PodvisorNode : IAsyncDisposable
{
    private readonly IContainerRuntime _opened;
    private PodvisorApiServer? _server;
    private readonly ILoggerFactory _logs;
    private bool _agentStopped;

    private PodvisorNode(NodeOptions options, HostFacts host, IContainerRuntime opened, IContainerRuntime runtime, ILoggerFactory logs)
    {
        Options = options;
        Host = host;
        _opened = opened;
        Runtime = runtime;
        _logs = logs;
    }

    public NodeOptions Options { get; }
    public HostFacts Host { get; }

    /// <summary>The runtime the agent calls: the opened one, or what the caller's observer wrapped around it.</summary>
    public IContainerRuntime Runtime { get; }

    /// <summary>The process runtime, when the node runs one.</summary>
    public ProcessRuntime? Processes => _opened as ProcessRuntime;

    public string NodeName => Options.NodeNameOn(Host);

    /// <summary>The agent, once <see cref="StartAgent"/> or <see cref="ServeAsync"/> made it.</summary>
    public PodAgent? Agent { get; private set; }

    /// <summary>
    /// Reads the host's facts (unless given) and opens the runtime; a CRI runtime that does not answer fails with
    /// <see cref="CriRuntimeUnavailableException"/>. <paramref name="observe"/> wraps the runtime the agent will call.
    /// </summary>
    public static async Task<PodvisorNode> OpenAsync(
        NodeOptions options, ILoggerFactory logs, HostFacts? host = null, Func<IContainerRuntime, IContainerRuntime>? observe = null)
    {
        host ??= HostFacts.Detect(options.DataDir);
        IContainerRuntime opened = options.Runtime switch
        {
            NodeOptions.ProcessRuntime => await ProcessRuntime.OpenAsync(ProcessOptions(options, logs)),
            NodeOptions.CriRuntime => await CriRuntime.OpenAsync(new CriRuntimeOptions
            {
                Endpoint = options.ContainerRuntimeEndpoint, DataDir = options.DataDir, LoggerFactory = logs,
            }),
            _ => throw new UnreachableException($"runtime {options.Runtime}"),
        };
        return new PodvisorNode(options, host, opened, observe?.Invoke(opened) ?? opened, logs);
    }

    /// <summary>The agent's settings on this node; <paramref name="kubernetesService"/> is where its pods reach the API.</summary>
    private AgentOptions AgentOptions(IPEndPoint? kubernetesService) => new()
    {
        DataDir = Options.DataDir,
        Gates = Options.Gates,
        CrashLoopBackOffMax = Options.CrashLoopBackOffMax,
        NodeName = NodeName,
        HostIp = Options.HostIp ?? Host.InternalIp,
        Resources = Host.Resources,
        KeepLogsOfDeletedPods = Options.KeepLogsOfDeletedPods,
        KubernetesService = kubernetesService,
    };

    /// <summary>Starts the node's agent (one per node); it is disposed with the node.</summary>
    public PodAgent StartAgent(
        IPodStatusSink sink, TimeProvider time, IConfigObjects? configObjects = null, IServiceAccountTokens? tokens = null, IPEndPoint? kubernetesService = null)
    {
        if (Agent is not null)
        {
            throw new InvalidOperationException("the node's agent is already started");
        }

        Agent = new PodAgent(Runtime, sink, AgentOptions(kubernetesService), time, _logs, configObjects, tokens);
        return Agent;
    }

    /// <summary>
    /// <c>serve</c> (docs/contracts.md §1): the API on its listeners, then the agent, whose pods' <c>KUBERNETES_SERVICE_*</c>
    /// name the port bound; every stored pod is handed to the agent and orphaned runtime pods are removed. A listener that
    /// cannot be bound fails with <see cref="InvalidOperationException"/>.
    /// </summary>
    public async Task<(PodvisorApiServer Server, string Url)> ServeAsync(string listen, string? tokenFile, CancellationToken ct)
    {
        var options = new PodvisorApiServerOptions
        {
            Listen = listen,
            // CRI pods live in the CNI's network, which reaches no listener (docs/contracts.md §2, "ServiceAccounts").
            PodAddress = Processes is { } processes ? await processes.PodGatewayAsync(ct) : null,
            DataDir = Options.DataDir,
            TokenFile = tokenFile,
            NodeName = NodeName,
            Host = Host,
            FeatureGates = Options.Gates,
            RunsImages = Options.RunsImages,
            LoggerFactory = _logs,
        };
        var server = _server = new PodvisorApiServer(_opened is CriRuntime cri ? options with { ContainerRuntimeVersion = $"{cri.RuntimeName}://{cri.RuntimeVersion}" } : options);
        var url = await server.StartAsync(ct);
        var agent = StartAgent(server, TimeProvider.System, server, server.Tokens, Processes is null ? null : server.KubernetesService);
        server.Attach(agent, agent.Logs, Processes is { } local ? new ProcessPodExec(local) : null,
            _opened is IContainerStatsProvider stats ? new RuntimePodMetrics(_opened, stats, TimeProvider.System) : null);
        await agent.RemoveOrphanedPodsAsync(); // every stored pod was handed over by Attach
        return (server, url);
    }

    /// <summary>Stops the agent and leaves its containers to the runtime (the bench and the test harnesses then clean it up).</summary>
    public async Task StopAgentAsync()
    {
        if (Agent is not null && !_agentStopped)
        {
            _agentStopped = true;
            await Agent.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAgentAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        await ((IAsyncDisposable)_opened).DisposeAsync();
    }

    private static ProcessRuntimeOptions ProcessOptions(NodeOptions options, ILoggerFactory logs)
    {
        var process = new ProcessRuntimeOptions
        {
            DataDir = options.DataDir,
            LoggerFactory = logs,
            ShimCommand = options.ContainersOutliveAgent ? ShimCommand.SelfCommand() : null,
            ContainerLogRotation = options.LogRotation,
        };
        return options.PodNetwork is { } network
            ? process with { BridgeName = network.BridgeName, PodCidr = network.PodCidr, IpamDir = network.IpamDir }
            : process;
    }
}
