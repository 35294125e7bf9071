using Podvisor.Core.Model;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;

namespace Podvisor.Agent.Probes;

/// <summary>The end of one GET exchange: a response (status and body prefix) or Go's error text for the failure.</summary>
/// <param name="Error">E.g. <c>Get "http://10.88.0.5:8080/": dial tcp 10.88.0.5:8080: connect: connection refused</c>.</param>
/// <param name="BodyError">The response arrived but reading its body failed (upstream: the probe errored).</param>
internal sealed record HttpGetResponse(int StatusCode, string Body, string? Error = null, string? BodyError = null)
{
    public static HttpGetResponse Failed(string error) => new(0, "", error);
}

/// <summary>
/// The kubelet's HTTP client for httpGet probes and hooks, over one shared <see cref="SocketsHttpHandler"/>: no proxy,
/// no compression, TLS without verification, a new connection per request (DisableKeepAlives), redirects handled
/// here as Go's http.Client does (at most 10; probes stop at a redirect to another host, pkg/probe/http
/// RedirectChecker). The body is read up to 10 KiB (maxRespBodyLength).
/// </summary>
internal sealed class HttpGetClient(HttpMessageInvoker invoker, TimeProvider time)
{
    public const int MaxBodyLength = 10 * 1024;
    private const int MaxRedirects = 10;

    private static readonly Lazy<HttpMessageInvoker> SharedInvoker = new(() => new HttpMessageInvoker(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
#pragma warning disable CA5359 // Mirrors the kubelet's probe transport: tls.Config{InsecureSkipVerify: true}.
        SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true },
#pragma warning restore CA5359
    }));

    public static HttpGetClient Create(TimeProvider time) => new(SharedInvoker.Value, time);

    /// <param name="timeout">Go's Client.Timeout over the whole exchange; null for none (hooks).</param>
    public async Task<HttpGetResponse> GetAsync(HttpGetTarget target, bool followNonLocalRedirects, TimeSpan? timeout, CancellationToken ct)
    {
        using var deadline = timeout is { } t ? new CancellationTokenSource(t, time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        var (url, text, hostHeader) = (target.Url, target.UrlText, target.HostHeader);
        for (var requests = 1; ; requests++)
        {
            HttpResponseMessage response;
            try
            {
                response = await SendAsync(url, target.Headers, hostHeader, linked.Token);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
            {
                return HttpGetResponse.Failed($"Get {GoFormat.Quote(text)}: {Describe(e, url, "exceeded while awaiting headers", ct)}");
            }

            using (response)
            {
                if (RedirectTarget(response, url) is not { } next
                    || (!followNonLocalRedirects && !string.Equals(next.Host, target.Url.Host, StringComparison.OrdinalIgnoreCase)))
                {
                    return await ReadAsync(response, url, ct, linked.Token);
                }

                if (requests >= MaxRedirects)
                {
                    return HttpGetResponse.Failed($"Get {GoFormat.Quote(next.OriginalString)}: stopped after 10 redirects");
                }

                // Go keeps an explicit Host only for a relative Location.
                hostHeader = response.Headers.Location is { IsAbsoluteUri: true } ? null : hostHeader;
                (url, text) = (next, next.OriginalString);
            }
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Uri url, IReadOnlyList<KeyValuePair<string, string>> headers, string? hostHeader, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Headers.Host = hostHeader;
        request.Headers.ConnectionClose = true;
        return await invoker.SendAsync(request, ct);
    }

    private static Uri? RedirectTarget(HttpResponseMessage response, Uri current) =>
        response.StatusCode is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect
        && response.Headers.Location is { } location
            ? new Uri(current, location)
            : null;

    private static async Task<HttpGetResponse> ReadAsync(HttpResponseMessage response, Uri url, CancellationToken outer, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            var buffer = new byte[MaxBodyLength];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), ct)) > 0)
            {
                length += read;
            }

            return new HttpGetResponse(status, System.Text.Encoding.UTF8.GetString(buffer, 0, length));
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            return new HttpGetResponse(status, "", BodyError: Describe(e, url, "or context cancellation while reading body", outer));
        }
    }

    /// <summary>Go's text for a failed exchange (the part after <c>Get "URL": </c>).</summary>
    private static string Describe(Exception e, Uri url, string timeoutDetail, CancellationToken outer)
    {
        if (e is OperationCanceledException)
        {
            return outer.IsCancellationRequested ? "context canceled" : $"context deadline exceeded (Client.Timeout {timeoutDetail})";
        }

        var address = GoText.JoinHostPort(url.IdnHost.Trim('[', ']'), url.Port);
        return e.InnerException switch
        {
            SocketException s => GoText.DialError(address, s),
            AuthenticationException a => "tls: " + a.Message,
            _ when e is HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded } => "EOF",
            _ => e.Message,
        };
    }
}
