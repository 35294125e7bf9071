using Microsoft.Extensions.Logging;
using Podvisor.Api.Store;
using Podvisor.Core;
using Podvisor.Node.Abstractions;

namespace Podvisor.Api;

/// <summary>The services every handler shares: the store, the clock, the attached agent and the options.</summary>
internal sealed class ApiContext(ObjectStore store, TimeProvider time, FeatureGates gates, string nodeName, string dataDir, ILoggerFactory loggerFactory)
{
    private volatile IPodAgent? _agent;
    private volatile IPodExec? _exec;

    public ObjectStore Store { get; } = store;

    public TimeProvider Time { get; } = time;

    public FeatureGates Gates { get; } = gates;

    /// <summary>The runtime runs images (CRI): admission lets containers omit <c>command</c>.</summary>
    public bool RunsImages { get; init; }

    /// <summary>The node every pod is bound to at creation (Podvisor is its own scheduler).</summary>
    public string NodeName { get; } = nodeName;

    public string DataDir { get; } = dataDir;

    public ILoggerFactory LoggerFactory { get; } = loggerFactory;

    /// <summary>Cancelled when the server stops: ends watches and log follows.</summary>
    public CancellationTokenSource Stopping { get; } = new();

    public IPodAgent? Agent
    {
        get => _agent;
        set => _agent = value;
    }

    /// <summary>The node's container logs (null until attached).</summary>
    public IPodLogs? Logs { get; set; }

    /// <summary>The node side of exec and port-forward (null until attached).</summary>
    public IPodExec? Exec
    {
        get => _exec;
        set => _exec = value;
    }

    /// <summary>The node side of metrics.k8s.io (null until attached, or when the runtime has no stats).</summary>
    public IPodMetrics? Metrics { get; set; }

    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>Kubernetes timestamps have second precision (metav1.Time).</summary>
    public DateTime NowTruncated
    {
        get
        {
            var now = Time.GetUtcNow().UtcDateTime;
            return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        }
    }
}
