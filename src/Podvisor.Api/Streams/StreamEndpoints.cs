using k8s.Models;
using Microsoft.Extensions.Logging;
using Podvisor.Api.Http;
using Podvisor.Api.Store;
using Podvisor.Node.Abstractions;

namespace Podvisor.Api.Streams;

/// <summary>
/// <c>GET/POST .../pods/{name}/exec</c> and <c>.../portforward</c> over WebSocket (docs/contracts.md §2); <c>attach</c> answers a Status. What the apiserver
/// checks before proxying (the pod, the container name) fails the HTTP request with its Status; what the kubelet finds
/// after the upgrade (a container that is not running, a command that cannot start, a non-zero exit) arrives on the
/// error channel as the apiserver's stream translator writes it, so kubectl prints and exits as against a cluster.
/// SPDY (kubectl before 1.30, and kubectl's port-forward, which tunnels SPDY through a WebSocket) is not served.
/// </summary>
internal sealed partial class StreamEndpoints(ApiContext api)
{
    /// <summary>How long to wait for the client's close after ours before dropping the connection.</summary>
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long a tty exec waits for the client's first terminal size.</summary>
    private static readonly TimeSpan FirstSizeTimeout = TimeSpan.FromSeconds(1);

    private readonly ILogger _logger = api.LoggerFactory.CreateLogger<StreamEndpoints>();

    public void Map(IEndpointRouteBuilder app)
    {
        foreach (var (subresource, handler) in new (string, RequestDelegate)[] { ("exec", ExecAsync), ("portforward", PortForwardAsync) })
        {
            var pattern = $"/api/v1/namespaces/{{ns}}/pods/{{name}}/{subresource}";
            app.MapMethods(pattern, ["GET", "POST"], handler);
            MethodNotAllowed.Map(app, pattern, "GET", "POST");
        }

        // The process runtime's containers have no stdin and their output goes to the log: nothing to attach to yet.
        app.MapMethods("/api/v1/namespaces/{ns}/pods/{name}/attach", ["GET", "POST"], ctx => ApiResponses.WriteError(ctx,
            ApiError.BadRequest("podvisor does not serve attach yet: use kubectl logs -f to follow a container's output, or kubectl exec")));
    }

    private async Task ExecAsync(HttpContext ctx)
    {
        (ExecOptions? Options, ApiError? Error) parsed = default;
        if (await UpgradeAsync(ctx, ChannelProtocol.ExecProtocols, pod => (parsed = ExecOptions.From(ctx.Request.Query, pod, requireCommand: true)).Error) is not { } request)
        {
            return;
        }

        await using var connection = new ChannelConnection(await ctx.WebSockets.AcceptWebSocketAsync(request.Protocol.Length > 0 ? request.Protocol : null), request.Protocol);
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, api.Stopping.Token);
        var options = parsed.Options!;
        var streams = new PodExecStreams(
            options.Stdin ? connection.Input(ChannelProtocol.Stdin) : null,
            options.Stdout ? connection.Output(ChannelProtocol.Stdout) : null,
            options.Stderr ? connection.Output(ChannelProtocol.Stderr) : null,
            options.Tty,
            options.Tty ? connection.Resizes() : null);
        var receive = ReceiveThenCancelAsync(connection, gone);
        byte[] status;
        try
        {
            // kubelet remotecommand/websocket.go: an empty message on the lowest writable channel says the streams are ready.
            await connection.SendAsync(options.Stdout ? ChannelProtocol.Stdout : options.Stderr ? ChannelProtocol.Stderr : ChannelProtocol.Error, default, default, gone.Token);
            if (streams.Resize is { } sizes)
            {
                await FirstSizeAsync(sizes, gone.Token);
            }

            status = await RunAsync(request.Exec, request.Pod, options, streams, gone.Token);
            await connection.SendAsync(ChannelProtocol.Error, default, status, gone.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or System.Net.WebSockets.WebSocketException or IOException)
        {
            // The client went away: the command has been killed, nothing is left to tell.
        }

        await connection.CloseAsync(CancellationToken.None);
        await receive.WaitAsync(CloseTimeout).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task<byte[]> RunAsync(IPodExec exec, V1Pod pod, ExecOptions options, PodExecStreams streams, CancellationToken ct)
    {
        if (exec.FindRunningContainer(pod.Metadata.Uid, options.Container) is not { } containerId)
        {
            // kubelet GetExec's error, wrapped by the translator's failed SPDY upgrade to the kubelet.
            return ChannelProtocol.InternalErrorStatus($"unable to upgrade connection: container not found (\"{options.Container}\")");
        }

        try
        {
            var code = await exec.ExecAsync(containerId, options.Command, streams, ct);
            return code == 0 ? ChannelProtocol.SuccessStatus() : ChannelProtocol.ExitCodeStatus(code);
        }
        catch (PodExecException e)
        {
            Log.ExecFailed(_logger, pod.Metadata.NamespaceProperty, pod.Metadata.Name, options.Container, e.Message);
            return ChannelProtocol.InternalErrorStatus("error executing command in container: " + e.Message);
        }
    }

    private async Task PortForwardAsync(HttpContext ctx)
    {
        // kubectl names its ports inside the SPDY tunnel rather than in the query: its request fails on the protocol.
        var (ports, error) = PortForwardPorts.Parse(ctx.Request.Query);
        var servedUpgrade = ctx.WebSockets.IsWebSocketRequest && ChannelProtocol.Negotiate(ctx.WebSockets.WebSocketRequestedProtocols, ChannelProtocol.PortForwardProtocols) is not null;
        if (await UpgradeAsync(ctx, ChannelProtocol.PortForwardProtocols, _ => error is null || !servedUpgrade ? null : ApiError.BadRequest(error)) is not { } request)
        {
            return;
        }

        await using var connection = new ChannelConnection(await ctx.WebSockets.AcceptWebSocketAsync(request.Protocol.Length > 0 ? request.Protocol : null), request.Protocol);
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, api.Stopping.Token);
        var inputs = ports!.Select((_, i) => connection.Input((byte)(2 * i))).ToList();
        var receive = ReceiveThenCancelAsync(connection, gone);
        try
        {
            for (var i = 0; i < ports!.Count; i++)
            {
                var prefix = ChannelProtocol.PortPrefix(ports[i]);
                await connection.SendAsync((byte)(2 * i), prefix, default, gone.Token);
                await connection.SendAsync((byte)((2 * i) + 1), prefix, default, gone.Token);
            }

            await Task.WhenAll(ports!.Select((port, i) => ForwardAsync(request.Exec, request.Pod.Metadata.Uid, port, inputs[i], connection, (byte)(2 * i), gone.Token)));
        }
        catch (Exception e) when (e is OperationCanceledException or System.Net.WebSockets.WebSocketException or IOException)
        {
        }

        await connection.CloseAsync(CancellationToken.None);
        await receive.WaitAsync(CloseTimeout).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    /// <summary>One port: client data to the pod's port and back until either side ends; a failure goes to the error channel as text.</summary>
    private static async Task ForwardAsync(IPodExec exec, string podUid, ushort port, Stream input, ChannelConnection connection, byte channel, CancellationToken ct)
    {
        Stream target;
        try
        {
            target = await exec.PortForwardAsync(podUid, port, ct);
        }
        catch (PodExecException e)
        {
            await connection.SendAsync((byte)(channel + 1), default, ChannelProtocol.PortForwardError(port, podUid, e.Message), ct);
            return;
        }

        await using (target)
        {
            using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var toPod = CopyAsync(input, target, done.Token);
            var fromPod = CopyAsync(target, connection.Output(channel), done.Token);
            await Task.WhenAny(toPod, fromPod);
            await done.CancelAsync();
            await Task.WhenAll(toPod, fromPod);
        }
    }

    private static async Task CopyAsync(Stream from, Stream to, CancellationToken ct)
    {
        try
        {
            await from.CopyToAsync(to, ct);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// kubectl sends the terminal's size right after connecting; starting the command once it is there (or after a
    /// short wait for clients that never send one) lets the command see its real size from the start.
    /// </summary>
    private static async Task FirstSizeAsync(System.Threading.Channels.ChannelReader<TerminalSize> sizes, CancellationToken ct)
    {
        try
        {
            await sizes.WaitToReadAsync(ct).AsTask().WaitAsync(FirstSizeTimeout, ct);
        }
        catch (TimeoutException)
        {
        }
    }

    /// <summary>The receive loop; when the client closes or the connection breaks, the running command or forward is cancelled.</summary>
    private static async Task ReceiveThenCancelAsync(ChannelConnection connection, CancellationTokenSource gone)
    {
        await connection.ReceiveAsync(gone.Token);
        await gone.CancelAsync();
    }

    /// <summary>
    /// The checks before an upgrade, in the apiserver's order: the pod exists, the request's options are valid for it
    /// (<paramref name="validate"/>), then the request is a WebSocket with a served protocol and a node is attached.
    /// Writes the Status and returns null when one fails, so kubectl's SPDY fallback prints the same error.
    /// </summary>
    private async Task<StreamTarget?> UpgradeAsync(HttpContext ctx, IReadOnlyList<string> protocols, Func<V1Pod, ApiError?> validate)
    {
        var name = ctx.Route("name");
        var pod = api.Store.Get(ResourceKind.Pods, ctx.Route("ns"), name)?.Object as V1Pod;
        var protocol = ChannelProtocol.Negotiate(ctx.WebSockets.WebSocketRequestedProtocols, protocols);
        var error = pod is null ? ApiError.NotFound("pods", name) : validate(pod);
        if (error is null && (!ctx.WebSockets.IsWebSocketRequest || protocol is null))
        {
            error = ApiError.BadRequest(NotServed(ctx, protocols));
        }
        else if (error is null && api.Exec is null)
        {
            error = new ApiError(503, "ServiceUnavailable", "no node is attached to run streams");
        }

        if (error is not null)
        {
            await ApiResponses.WriteError(ctx, error);
            return null;
        }

        return new StreamTarget(pod!, protocol!, api.Exec!);
    }

    /// <summary>Why an upgrade is refused: SPDY (older kubectl, and kubectl port-forward, which tunnels it) or an unknown protocol.</summary>
    private static string NotServed(HttpContext ctx, IReadOnlyList<string> protocols)
    {
        var served = string.Join(", ", protocols);
        return ctx.Request.Path.Value!.EndsWith("/portforward", StringComparison.Ordinal)
            ? $"Upgrade request required: kubectl port-forward needs SPDY/3.1 (directly or tunnelled through a WebSocket), which podvisor does not serve yet; port-forward over WebSocket ({served}) works, as the Python, Node.js and C# clients use it"
            : $"Upgrade request required: podvisor serves exec over WebSocket ({served}), as kubectl 1.30 and newer and the client libraries use; SPDY (kubectl 1.29 and older) is not served";
    }

    private sealed record StreamTarget(V1Pod Pod, string Protocol, IPodExec Exec);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "exec in {Namespace}/{Pod} container {Container} could not start: {Error}")]
        public static partial void ExecFailed(ILogger logger, string @namespace, string pod, string container, string error);
    }
}
