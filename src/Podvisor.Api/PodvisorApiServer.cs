using System.Net;
using System.Security.Cryptography.X509Certificates;
using k8s.Models;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Podvisor.Agent;
using Podvisor.Api.Discovery;
using Podvisor.Api.Events;
using Podvisor.Api.Http;
using Podvisor.Api.Logs;
using Podvisor.Api.Namespaces;
using Podvisor.Api.Pods;
using Podvisor.Api.Store;

namespace Podvisor.Api;

/// <summary>
/// The Kubernetes Pod API of <c>podvisor serve</c> (design §4.1, §4.2): Kestrel minimal APIs over an in-memory store
/// that SQLite makes durable. The agent is attached with <see cref="Attach"/>; the server feeds it pods
/// (<see cref="IPodAgent.UpsertPod"/>, <see cref="IPodAgent.DeletePod"/>) and is its <see cref="IPodStatusSink"/>.
/// </summary>
public sealed class PodvisorApiServer : IPodStatusSink, IAsyncDisposable
{
    private readonly PodvisorApiServerOptions _options;
    private readonly ApiContext _api;
    private readonly EventStore _events;
    private readonly PodStatusIngest _ingest;
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
        _journal = SqliteJournal.Open(Path.Combine(options.DataDir, "podvisor.db"), options.LoggerFactory.CreateLogger("Podvisor.Api.Store"));
        _api = new ApiContext(new ObjectStore(_journal), options.TimeProvider, options.FeatureGates, options.NodeName, options.DataDir, options.LoggerFactory)
        {
            RunsImages = options.RunsImages,
        };
        _events = new EventStore(_api);
        _ingest = new PodStatusIngest(_api, _events);
    }

    /// <summary>The URL the server listens on (after <see cref="StartAsync"/>).</summary>
    public string? Url { get; private set; }

    public string KubeconfigPath => Path.Combine(_options.DataDir, "kubeconfig");

    /// <summary>Connects the node agent. Every stored pod is handed to it once the server has started.</summary>
    public void Attach(IPodAgent agent)
    {
        _api.Agent = agent;
        HandOffStoredPods();
    }

    /// <summary>Loads the store, starts listening, writes the kubeconfig and returns the real URL.</summary>
    /// <exception cref="InvalidOperationException">The listen address is not loopback and no token file is set, or the token file is empty.</exception>
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
        new NamespaceEndpoints(_api).EnsureBuiltin();
        _journal.Start();
        _ingest.Start();
        _events.StartExpiry();
        var certificate = token is null ? null : ServingCertificate.LoadOrCreate(_options.DataDir, endpoint.Address, _options.TimeProvider.GetUtcNow());
        _certificate = certificate;
        _app = BuildApp(endpoint, token, certificate);
        await _app.StartAsync(ct).ConfigureAwait(false);
        var bound = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        Url = ClientUrl(bound, endpoint.Address);
        Kubeconfig.Write(KubeconfigPath, Url, token, certificate is null ? null : ServingCertificate.Pem(certificate));
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

        await _ingest.StopAsync().ConfigureAwait(false);
        _events.Dispose();
        if (_journal is not null)
        {
            await _journal.DisposeAsync().ConfigureAwait(false);
            _journal = null;
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    public void StatusChanged(string uid, V1PodStatus status) => _ingest.StatusChanged(uid, status);

    public void EventRecorded(Corev1Event evt) => _ingest.EventRecorded(evt);

    public void PodTerminated(string uid) => _ingest.PodTerminated(uid);

    /// <summary>The URL a client on this machine uses: a wildcard listen address becomes loopback (the certificate names it).</summary>
    private static string ClientUrl(Uri bound, IPAddress listen)
    {
        var host = listen.Equals(IPAddress.Any) ? IPAddress.Loopback : listen.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : listen;
        return new UriBuilder(bound.Scheme, host.ToString(), bound.Port).Uri.GetLeftPart(UriPartial.Authority);
    }

    private WebApplication BuildApp(IPEndPoint endpoint, string? token, X509Certificate2? certificate)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = _options.DataDir });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_options.LoggerFactory);
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(endpoint, listen =>
        {
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        if (token is not null)
        {
            BearerTokenAuth.Use(app, token);
        }

        DiscoveryEndpoints.Map(app);
        new PodEndpoints(_api).Map(app);
        new LogEndpoints(_api).Map(app);
        new EventEndpoints(_api).Map(app);
        new NamespaceEndpoints(_api).Map(app);
        app.MapFallback(ctx => ApiResponses.WriteError(ctx, ApiError.NoRoute()));
        return app;
    }

    private string? ReadToken()
    {
        if (_options.TokenFile is null)
        {
            return null;
        }

        var token = File.ReadAllText(_options.TokenFile).Trim();
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
