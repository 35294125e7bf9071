using System.Net;
using System.Security.Cryptography.X509Certificates;
using k8s.Models;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Podvisor.Api.Discovery;
using Podvisor.Api.Events;
using Podvisor.Api.Http;
using Podvisor.Api.Logs;
using Podvisor.Api.Auth;
using Podvisor.Api.Namespaces;
using Podvisor.Api.Nodes;
using Podvisor.Api.Pods;
using Podvisor.Api.Store;
using Podvisor.Api.Streams;
using Podvisor.Node.Abstractions;

namespace Podvisor.Api;

/// <summary>
/// The Kubernetes Pod API of <c>podvisor serve</c> (docs/contracts.md §1, §2): Kestrel minimal APIs over an in-memory store
/// that SQLite makes durable. The agent is attached with <see cref="Attach"/>; the server feeds it pods
/// (<see cref="IPodAgent.UpsertPod"/>, <see cref="IPodAgent.DeletePod"/>) and is its <see cref="IPodStatusSink"/>.
/// </summary>
public sealed class PodvisorApiServer : IPodStatusSink, IConfigObjects, IAsyncDisposable
{
    private const int ListenAttempts = 5;

    private readonly PodvisorApiServerOptions _options;
    private readonly ApiContext _api;
    private readonly EventStore _events;
    private readonly PodStatusIngest _ingest;
    private readonly NamespaceTerminator _terminator;
    private readonly NodeEndpoints _node;
    private readonly ServiceAccountTokens _tokens;
    private readonly Lock _handOffGate = new();
    private SqliteJournal? _journal;
    private WebApplication? _app;
    private X509Certificate2? _certificate;
    private bool _started;
    private bool _handedOff;

    public PodvisorApiServer(PodvisorApiServerOptions options)
    {
        _options = options;
        Directory.CreateDirectory(options.DataDir);
        _journal = SqliteJournal.Open(Path.Combine(options.DataDir, "podvisor.db"));
        _api = new ApiContext(new ObjectStore(_journal), options.TimeProvider, options.FeatureGates, options.NodeName, options.DataDir, options.LoggerFactory)
        {
            RunsImages = options.RunsImages,
        };
        _events = new EventStore(_api);
        _ingest = new PodStatusIngest(_api, _events);
        _terminator = new NamespaceTerminator(_api);
        _node = new NodeEndpoints(_api, options.Host, options.ContainerRuntimeVersion);
        _tokens = new ServiceAccountTokens(_api);
    }

    /// <summary>The TokenRequest the agent uses for projected service account tokens.</summary>
    public IServiceAccountTokens Tokens => _tokens;

    /// <summary>
    /// Where pods reach the API (after <see cref="StartAsync"/>): the pod listener, or the client address when there
    /// is none (pods then share the host's network); the agent's <c>KUBERNETES_SERVICE_*</c>.
    /// </summary>
    public IPEndPoint? KubernetesService { get; private set; }

    /// <summary>The URL the server listens on (after <see cref="StartAsync"/>).</summary>
    public string? Url { get; private set; }

    public string KubeconfigPath => Path.Combine(_options.DataDir, "kubeconfig");

    /// <summary>
    /// Connects the node agent and its container logs, and the node's exec/port-forward and metrics sides when it has
    /// them. Every stored pod is handed to the agent once the server has started.
    /// </summary>
    public void Attach(IPodAgent agent, IPodLogs logs, IPodExec? exec = null, IPodMetrics? metrics = null)
    {
        _api.Agent = agent;
        _api.Logs = logs;
        _api.Exec = exec;
        _api.Metrics = metrics;
        HandOffStoredPods();
    }

    /// <summary>
    /// Loads the store, starts listening (also on <see cref="PodvisorApiServerOptions.PodAddress"/>, same port, unless a
    /// wildcard address covers it), writes
    /// the kubeconfig and returns the real URL.
    /// </summary>
    /// <exception cref="InvalidOperationException">The listen address is not loopback and no token file is set, or the token file is missing, unreadable or empty.</exception>
    public async Task<string> StartAsync(CancellationToken ct = default)
    {
        var endpoint = ListenAddress.Parse(_options.Listen);
        var token = ReadToken();
        if (token is null && !IPAddress.IsLoopback(endpoint.Address))
        {
            throw new InvalidOperationException(
                $"refusing to serve the API on non-loopback address {_options.Listen} without a token file: anyone who can reach it could run processes on this machine; set a token file or listen on 127.0.0.1");
        }

        var (objects, revision) = _journal!.Load();
        _api.Store.Load(objects, revision);
        var certificate = ServingCertificate.LoadOrCreate(
            _options.DataDir, [endpoint.Address, .. _options.PodAddress is { } pod ? [pod] : Array.Empty<IPAddress>()], _options.TimeProvider.GetUtcNow());
        _certificate = certificate;
        var namespaces = new NamespaceEndpoints(_api, _terminator, new NamespaceDefaults(_api, ServingCertificate.Pem(certificate)));
        await namespaces.EnsureBuiltinAsync().ConfigureAwait(false);
        _ingest.Start();
        await _terminator.StartAsync().ConfigureAwait(false);
        await _node.RegisterAsync().ConfigureAwait(false);
        _events.StartExpiry();
        var bound = await ListenAsync(endpoint, token, certificate, namespaces, ct).ConfigureAwait(false);
        Url = ClientUrl(bound, endpoint.Address);
        KubernetesService = new IPEndPoint(_options.PodAddress ?? IPAddress.Parse(new Uri(Url).Host.Trim('[', ']')), bound.Port);
        Kubeconfig.Write(KubeconfigPath, Url, token, ServingCertificate.Pem(certificate), _options.TimeProvider.GetUtcNow());
        lock (_handOffGate)
        {
            _started = true;
        }

        HandOffStoredPods();
        return Url;
    }

    public async Task StopAsync(CancellationToken ct = default)
    {
        await _api.Stopping.CancelAsync().ConfigureAwait(false);
        _api.Store.CloseWatchers();
        if (_app is not null)
        {
            await _app.StopAsync(ct).ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }

        _certificate?.Dispose();
        _certificate = null;
        _tokens.Dispose();

        await _terminator.DisposeAsync().ConfigureAwait(false);
        _node.Dispose();
        await _ingest.StopAsync().ConfigureAwait(false);
        _events.Dispose();
        await _api.Store.DisposeAsync().ConfigureAwait(false);
        _journal?.Dispose();
        _journal = null;
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    public void StatusChanged(string uid, V1PodStatus status) => _ingest.StatusChanged(uid, status);

    public void EventRecorded(Corev1Event evt) => _ingest.EventRecorded(evt);

    public void PodTerminated(string uid) => _ingest.PodTerminated(uid);

    /// <summary>The stored ConfigMap (stored objects are never changed in place: a write stores a new one).</summary>
    public V1ConfigMap? GetConfigMap(string ns, string name) => _api.Store.Get(ResourceKind.ConfigMaps, ns, name)?.Object as V1ConfigMap;

    public V1Secret? GetSecret(string ns, string name) => _api.Store.Get(ResourceKind.Secrets, ns, name)?.Object as V1Secret;

    /// <summary>
    /// Starts Kestrel. Port 0 reuses the port recorded in DATA/port by the last run when it is free (so a kubeconfig
    /// copied elsewhere keeps working), else picks a free one; the pod listener gets the same port. The port bound is
    /// recorded.
    /// </summary>
    private async Task<Uri> ListenAsync(IPEndPoint endpoint, string? token, X509Certificate2 certificate, NamespaceEndpoints namespaces, CancellationToken ct)
    {
        var portFile = Path.Combine(_options.DataDir, "port");
        var recorded = endpoint.Port == 0 && File.Exists(portFile) && int.TryParse(File.ReadAllText(portFile).Trim(), out var p) && p is > 0 and <= 65535 ? p : 0;
        for (var attempt = 1; ; attempt++)
        {
            var port = endpoint.Port != 0 ? endpoint.Port : attempt == 1 && recorded != 0 ? recorded : FreePort(endpoint.Address);
            _app = BuildApp(new IPEndPoint(endpoint.Address, port), token, certificate, namespaces);
            try
            {
                await _app.StartAsync(ct).ConfigureAwait(false);
                break;
            }
            catch (IOException) when (endpoint.Port == 0 && attempt < ListenAttempts)
            {
                await _app.DisposeAsync().ConfigureAwait(false);
                _app = null;
            }
        }

        var bound = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        File.WriteAllText(portFile, bound.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return bound;
    }

    /// <summary>A port that is free on <paramref name="address"/> now (the kernel's pick for port 0).</summary>
    private static int FreePort(IPAddress address)
    {
        using var probe = new System.Net.Sockets.Socket(address.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>The URL a client on this machine uses: a wildcard listen address becomes loopback (the certificate names it).</summary>
    private static string ClientUrl(Uri bound, IPAddress listen)
    {
        var host = listen.Equals(IPAddress.Any) ? IPAddress.Loopback : listen.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : listen;
        return new UriBuilder(bound.Scheme, host.ToString(), bound.Port).Uri.GetLeftPart(UriPartial.Authority);
    }

    private WebApplication BuildApp(IPEndPoint endpoint, string? token, X509Certificate2 certificate, NamespaceEndpoints namespaces)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = _options.DataDir });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_options.LoggerFactory);
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(endpoint, listen => listen.UseHttps(certificate));
            if (_options.PodAddress is { } pods && !endpoint.Address.Equals(IPAddress.Any) && !endpoint.Address.Equals(IPAddress.IPv6Any))
            {
                kestrel.Listen(new IPEndPoint(pods, endpoint.Port), listen => listen.UseHttps(certificate));
            }
        });
        var app = builder.Build();
        InternalErrors.Use(app);
        RequestAuthentication.Use(app, token, _tokens, _options.PodAddress);

        app.UseWebSockets();
        DiscoveryEndpoints.Map(app);
        new PodEndpoints(_api).Map(app);
        new LogEndpoints(_api).Map(app);
        new EventEndpoints(_api).Map(app);
        new Objects.ObjectEndpoints(_api, new Objects.ConfigMapStrategy()).Map(app);
        new Objects.ObjectEndpoints(_api, new Objects.SecretStrategy()).Map(app);
        new Objects.ObjectEndpoints(_api, new Objects.ServiceAccountStrategy()).Map(app);
        new TokenRequestEndpoints(_api, _tokens).Map(app);
        namespaces.Map(app);
        new StreamEndpoints(_api).Map(app);
        _node.Map(app);
        new EventsV1Endpoints(_api).Map(app);
        ReviewEndpoints.Map(app);
        new Metrics.MetricsEndpoints(_api).Map(app);
        app.MapFallback(ctx => ApiResponses.WriteError(ctx, ApiError.NoRoute()));
        return app;
    }

    private string? ReadToken()
    {
        if (_options.TokenFile is null)
        {
            return null;
        }

        string token;
        try
        {
            token = File.ReadAllText(_options.TokenFile).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"cannot read the token file {_options.TokenFile}: {ex.Message}", ex);
        }

        return token.Length > 0 ? token : throw new InvalidOperationException($"the token file {_options.TokenFile} is empty");
    }

    /// <summary>After a restart every stored pod goes to the agent with its last status; pods being deleted resume deletion.</summary>
    private void HandOffStoredPods()
    {
        lock (_handOffGate)
        {
            if (!_started || _handedOff || _api.Agent is null)
            {
                return;
            }

            _handedOff = true;
        }

        var agent = _api.Agent;
        foreach (var stored in _api.Store.List(ResourceKind.Pods, null).Items)
        {
            var pod = stored.CloneAs<V1Pod>();
            agent.UpsertPod(pod);
            if (pod.Metadata.DeletionTimestamp is not null)
            {
                agent.DeletePod(pod.Metadata.Uid, pod.Metadata.DeletionGracePeriodSeconds);
            }
        }
    }

    /// <summary>The host does not own the process: no console signal handling (the <c>serve</c> command does that).</summary>
    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>Parses <c>HOST:PORT</c> (IPv4, <c>[IPv6]:PORT</c>, or <c>localhost:PORT</c>).</summary>
internal static class ListenAddress
{
    public static IPEndPoint Parse(string listen)
    {
        var colon = listen.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(listen[(colon + 1)..], out var port) || port is < 0 or > 65535)
        {
            throw new InvalidOperationException($"invalid listen address \"{listen}\": expected HOST:PORT");
        }

        var host = listen[..colon].Trim('[', ']');
        var address = host == "localhost" ? IPAddress.Loopback : IPAddress.TryParse(host, out var ip) ? ip : null;
        return address is null
            ? throw new InvalidOperationException($"invalid listen address \"{listen}\": the host must be an IP address or localhost")
            : new IPEndPoint(address, port);
    }
}
