using Podvisor.Core;
using Podvisor.Core.Model;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Podvisor.Agent.Probes;

/// <summary>
/// Mirrors pkg/probe/grpc/grpc.go: grpc.health.v1.Health/Check over HTTP/2 cleartext (prior knowledge), no
/// credentials, one connection per probe. Every failure is a probe Failure with upstream's text. grpc-go dials with
/// WithBlock, so a connection that cannot be made (refused, not HTTP/2) ends as the dial deadline message.
/// </summary>
internal sealed partial class GrpcHealthProbe(HttpMessageInvoker invoker, TimeProvider time)
{
    private static readonly HttpRequestOptionsKey<StrongBox<bool>> Connected = new("podvisor.grpc.connected");

    private static readonly Lazy<HttpMessageInvoker> SharedInvoker = new(() => new HttpMessageInvoker(new SocketsHttpHandler
    {
        UseProxy = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.Zero,
        ConnectCallback = ConnectAsync,
    }));

    public static GrpcHealthProbe Create(TimeProvider time) => new(SharedInvoker.Value, time);

    public async Task<ProbeOutcome> CheckAsync(string host, int port, string service, TimeSpan timeout, CancellationToken ct)
    {
        var address = GoText.JoinHostPort(host, port);
        var within = GoDuration.Format(timeout);
        var connected = new StrongBox<bool>();
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        using var request = NewRequest(address, service, timeout, connected);
        try
        {
            using var response = await invoker.SendAsync(request, linked.Token);
            var body = await response.Content.ReadAsByteArrayAsync(linked.Token);
            return Interpret(response, body, within);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException && !ct.IsCancellationRequested)
        {
            return connected.Value && e is OperationCanceledException
                ? ProbeOutcome.Failure($"timeout: health rpc did not complete within {within}")
                : ProbeOutcome.Failure($"timeout: failed to connect service {GoFormat.Quote(address)} within {within}: context deadline exceeded");
        }
    }

    private static HttpRequestMessage NewRequest(string address, string service, TimeSpan timeout, StrongBox<bool> connected)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"http://{address}{GrpcHealthCodec.CheckPath}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(GrpcHealthCodec.EncodeCheckRequest(service)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("user-agent", $"kube-probe/{KubernetesRelease.Minor}");
        request.Headers.TryAddWithoutValidation("grpc-timeout", $"{(long)timeout.TotalMilliseconds}m");
        request.Options.Set(Connected, connected);
        return request;
    }

    /// <summary>Mirrors the tail of grpcProber.Probe: status code first, then the serving status.</summary>
    private static ProbeOutcome Interpret(HttpResponseMessage response, byte[] body, string within)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var status = (int)response.StatusCode;
            return RpcFailure(HttpStatusToCode(status), $"unexpected HTTP status code received from server: {status} ({StatusText(response.StatusCode)})", within);
        }

        var code = Header(response, "grpc-status");
        var message = Uri.UnescapeDataString(Header(response, "grpc-message") ?? "");
        if (code is null)
        {
            return RpcFailure(13, "server closed the stream without sending trailers", within);
        }

        if (code != "0")
        {
            return RpcFailure(int.TryParse(code, out var c) ? c : 2, message, within);
        }

        if (!GrpcHealthCodec.TryDecodeCheckResponse(body, out var serving))
        {
            return RpcFailure(13, "grpc: failed to unmarshal the received message", within);
        }

        return serving == GrpcHealthCodec.Serving
            ? ProbeOutcome.Success("service healthy")
            : ProbeOutcome.Failure($"service unhealthy (responded with {GoFormat.Quote(GrpcHealthCodec.StatusName(serving))})");
    }

    private static ProbeOutcome RpcFailure(int code, string message, string within) => code switch
    {
        12 => ProbeOutcome.Failure($"error: this server does not implement the grpc health protocol (grpc.health.v1.Health): {message}"),
        4 => ProbeOutcome.Failure($"timeout: health rpc did not complete within {within}"),
        _ => ProbeOutcome.Failure($"error: health rpc probe failed: rpc error: code = {GrpcHealthCodec.CodeName(code)} desc = {message}"),
    };

    /// <summary>grpc-status in the trailers, or in the headers of a trailers-only response.</summary>
    private static string? Header(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.TryGetValues(name, out var trailer) ? trailer.FirstOrDefault()
        : response.Headers.TryGetValues(name, out var header) ? header.FirstOrDefault() : null;

    /// <summary>Mirrors grpc-go HTTPStatusConvTab.</summary>
    private static int HttpStatusToCode(int status) => status switch
    {
        400 => 13,
        401 => 16,
        403 => 7,
        404 => 12,
        429 or 502 or 503 or 504 => 14,
        _ => 2,
    };

    /// <summary>Go's http.StatusText for the common codes: the enum name split into words.</summary>
    private static string StatusText(HttpStatusCode status) => WordBoundary().Replace(status.ToString(), " $1");

    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, ct);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        if (context.InitialRequestMessage.Options.TryGetValue(Connected, out var connected))
        {
            connected.Value = true;
        }

        return new NetworkStream(socket, ownsSocket: true);
    }

    [GeneratedRegex("(?<=[a-z])([A-Z])")]
    private static partial Regex WordBoundary();
}
