using Podvisor.Core.Model;
using System.Net.Sockets;
using k8s.Models;
using Podvisor.Runtime;

namespace Podvisor.Agent.Probes;

/// <summary>
/// Runs probe attempts as the kubelet's prober.runProbe does: exec inside the container (through the runtime's
/// ExecSync), httpGet, tcpSocket and grpc against the pod IP or the handler's host, each bounded by timeoutSeconds.
/// </summary>
public sealed class ProbeExecutor : IProbeExecutor
{
    /// <summary>Mirrors pkg/probe/exec maxReadLength: exec output kept for the event.</summary>
    public const int MaxExecOutputLength = 10 * 1024;

    private readonly IContainerRuntime _runtime;
    private readonly TimeProvider _time;
    private readonly HttpGetClient _http;
    private readonly GrpcHealthProbe _grpc;

    public ProbeExecutor(IContainerRuntime runtime, TimeProvider? time = null)
    {
        _runtime = runtime;
        _time = time ?? TimeProvider.System;
        _http = HttpGetClient.Create(_time);
        _grpc = GrpcHealthProbe.Create(_time);
    }

    public async ValueTask<ProbeOutcome> ProbeAsync(V1Probe probe, ProbeContext context, CancellationToken ct)
    {
        var timeout = ProbeSpec.From(probe).Timeout;
        return probe switch
        {
            { Exec: { } exec } => await ExecAsync(exec, context, timeout, ct),
            { HttpGet: { } http } => await HttpAsync(http, context, timeout, ct),
            { TcpSocket: { } tcp } => await TcpAsync(tcp, context, timeout, ct),
            { Grpc: { } grpc } => await _grpc.CheckAsync(context.TargetHost, grpc.Port, grpc.Service ?? "", timeout, ct),
            _ => ProbeOutcome.Error($"missing probe handler for {GoFormat.Pod(context.Pod)}:{context.Container.Name}"),
        };
    }

    /// <summary>Mirrors pkg/probe/exec: exit 0 is Success, another code Failure with the output, a timeout Failure.</summary>
    private async Task<ProbeOutcome> ExecAsync(V1ExecAction exec, ProbeContext context, TimeSpan timeout, CancellationToken ct)
    {
        var argv = CommandExpansion.ExpandStatic(exec.Command, context.Container.Env);
        ExecResult result;
        try
        {
            result = await _runtime.ExecSyncAsync(context.ContainerId, argv, timeout, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return ProbeOutcome.Error(e.Message);
        }

        if (result.TimedOut)
        {
            return ProbeOutcome.Failure($"command {GoFormat.Quote(string.Join(' ', argv))} timed out");
        }

        var output = result.Output.Length > MaxExecOutputLength ? result.Output[..MaxExecOutputLength] : result.Output;
        return result.ExitCode == 0 ? ProbeOutcome.Success(output) : ProbeOutcome.Failure(output);
    }

    /// <summary>Mirrors pkg/probe/http DoHTTPProbe: 200-399 is healthy (3xx with a ProbeWarning), else the status code.</summary>
    private async Task<ProbeOutcome> HttpAsync(V1HTTPGetAction action, ProbeContext context, TimeSpan timeout, CancellationToken ct)
    {
        if (HttpGetRequests.TryCreate(action, context.Container, context.TargetHost, "probe", out var error) is not { } target)
        {
            return ProbeOutcome.Error(error ?? "");
        }

        var response = await _http.GetAsync(target, followNonLocalRedirects: false, timeout, ct);
        return response switch
        {
            { Error: { } failure } => ProbeOutcome.Failure(failure),
            { BodyError: { } bodyError } => ProbeOutcome.Error(bodyError),
            { StatusCode: >= 200 and < 300 } => ProbeOutcome.Success(response.Body),
            { StatusCode: >= 300 and < 400 } => ProbeOutcome.Warning($"Probe terminated redirects, Response body: {response.Body}"),
            _ => ProbeOutcome.Failure($"HTTP probe failed with statuscode: {response.StatusCode}"),
        };
    }

    /// <summary>Mirrors pkg/probe/tcp DoTCPProbe: a connection that opens within the timeout is Success.</summary>
    private async Task<ProbeOutcome> TcpAsync(V1TCPSocketAction action, ProbeContext context, TimeSpan timeout, CancellationToken ct)
    {
        if (!ContainerPorts.TryResolve(action.Port, context.Container, out var port, out var error))
        {
            return ProbeOutcome.Error(error ?? "");
        }

        var host = string.IsNullOrEmpty(action.Host) ? context.TargetHost : action.Host;
        var address = GoText.JoinHostPort(host, port);
        using var deadline = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(host, port, linked.Token);
            return ProbeOutcome.Success();
        }
        catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return ProbeOutcome.Failure(GoText.DialError(address, e));
        }
    }
}
