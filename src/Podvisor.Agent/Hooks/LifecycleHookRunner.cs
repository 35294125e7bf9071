using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using k8s.Models;
using Podvisor.Agent.Probes;
using Podvisor.Runtime;

namespace Podvisor.Agent.Hooks;

/// <summary>The result of one lifecycle hook; <see cref="Message"/> is upstream's handler error text (for logs and the reason cache).</summary>
public sealed record HookResult(bool Succeeded, string Message)
{
    public static HookResult Success { get; } = new(true, "");

    public static HookResult Failed(string message) => new(false, message);
}

/// <summary>A preStop hook run bounded by the grace period (kuberuntime executePreStopHook).</summary>
/// <param name="Elapsed">How long the kill waited for the hook; subtract it with <see cref="GracePeriod.AfterWait"/>.</param>
/// <param name="Result">The hook's result, or null when the grace period ran out first (the hook was then cancelled).</param>
public sealed record PreStopOutcome(TimeSpan Elapsed, HookResult? Result);

/// <summary>Hook event reasons' messages and the start error, exactly as kuberuntime_container.go records them.</summary>
public static class HookEvents
{
    /// <summary>Warning <c>FailedPostStartHook</c>; the handler's message is deliberately not in the event (secrets).</summary>
    public const string PostStartHookFailed = "PostStartHook failed";

    /// <summary>Warning <c>FailedPreStopHook</c>.</summary>
    public const string PreStopHookFailed = "PreStopHook failed";

    /// <summary>The Normal <c>Killing</c> message of the kill that follows a failed postStart.</summary>
    public const string FailedPostStartHookKillMessage = "FailedPostStartHook";

    /// <summary>ErrPostStartHook: the start error (waiting reason) recorded with the handler's message.</summary>
    public const string PostStartHookError = "PostStartHookError";
}

/// <summary>
/// Mirrors pkg/kubelet/lifecycle/handlers.go handlerRunner.Run for exec, httpGet and sleep handlers. Exec runs through
/// the runtime's ExecSync inside the container with no timeout (upstream passes 0); httpGet goes to the handler's
/// host or the pod IP, follows redirects like Go's default client and fails only when no response arrives; sleep
/// waits on the injected clock. Failures are values, never exceptions.
/// </summary>
public sealed class LifecycleHookRunner
{
    private readonly IContainerRuntime _runtime;
    private readonly TimeProvider _time;
    private readonly HttpGetClient _http;

    public LifecycleHookRunner(IContainerRuntime runtime, TimeProvider? time = null)
    {
        _runtime = runtime;
        _time = time ?? TimeProvider.System;
        _http = HttpGetClient.Create(_time);
    }

    /// <param name="containerId">Runtime container id (<c>RuntimeContainerStatus.Id</c>).</param>
    public async Task<HookResult> RunAsync(V1Pod pod, V1Container container, string containerId, string? podIp, V1LifecycleHandler handler, CancellationToken ct)
    {
        var subject = $"for Container {GoFormat.Quote(container.Name)} in Pod {GoFormat.Quote(GoFormat.Pod(pod))} failed - error:";
        return handler switch
        {
            { Exec: { } exec } => await ExecAsync(exec, containerId, subject, ct),
            { HttpGet: { } http } => await HttpAsync(http, container, podIp, subject, ct),
            { Sleep: { } sleep } => await SleepAsync(sleep, subject, ct),
            _ => HookResult.Failed("Cannot run handler: invalid handler: " + Describe(handler)),
        };
    }

    /// <summary>
    /// Mirrors executePreStopHook: runs the preStop hook and waits at most the grace period for it. When the grace
    /// period runs out first the hook is cancelled (upstream leaves it running; the container is about to be stopped).
    /// </summary>
    public async Task<PreStopOutcome> ExecutePreStopAsync(V1Pod pod, V1Container container, string containerId, string? podIp, long gracePeriodSeconds, CancellationToken ct)
    {
        var started = _time.GetTimestamp();
        using var hookScope = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var hook = container.Lifecycle?.PreStop is { } preStop
            ? RunAsync(pod, container, containerId, podIp, preStop, hookScope.Token)
            : Task.FromResult(HookResult.Success);
        var cut = Task.Delay(Durations.TimerSeconds(gracePeriodSeconds), _time, hookScope.Token);
        var first = await Task.WhenAny(hook, cut);
        await hookScope.CancelAsync();
        var result = first == hook ? await hook : null;
        return new PreStopOutcome(_time.GetElapsedTime(started), result);
    }

    private async Task<HookResult> ExecAsync(V1ExecAction exec, string containerId, string subject, CancellationToken ct)
    {
        var command = exec.Command ?? [];
        var prefix = $"Exec lifecycle hook ({GoText.Slice(command)}) {subject}";
        try
        {
            var result = await _runtime.ExecSyncAsync(containerId, command.ToList(), Timeout.InfiniteTimeSpan, ct);
            return result.ExitCode == 0
                ? HookResult.Success
                : HookResult.Failed($"{prefix} command '{string.Join(' ', command)}' exited with {result.ExitCode}: , message: {GoFormat.Quote(result.Output)}");
        }
        catch (OperationCanceledException)
        {
            return HookResult.Failed($"{prefix} context canceled, message: \"\"");
        }
        catch (Exception e)
        {
            return HookResult.Failed($"{prefix} {e.Message}, message: \"\"");
        }
    }

    private async Task<HookResult> HttpAsync(V1HTTPGetAction action, V1Container container, string? podIp, string subject, CancellationToken ct)
    {
        var prefix = $"HTTP lifecycle hook ({action.Path}) {subject}";
        if (string.IsNullOrEmpty(action.Host) && string.IsNullOrEmpty(podIp))
        {
            return HookResult.Failed($"{prefix} failed to find networking container: pod has no IP");
        }

        if (HttpGetRequests.TryCreate(action, container, podIp ?? "", "lifecycle", out var error) is not { } target)
        {
            return HookResult.Failed($"{prefix} {error}");
        }

        var response = await _http.GetAsync(target, followNonLocalRedirects: true, timeout: null, ct);
        return response.Error is { } failure ? HookResult.Failed($"{prefix} {failure}") : HookResult.Success;
    }

    private async Task<HookResult> SleepAsync(V1SleepAction sleep, string subject, CancellationToken ct)
    {
        try
        {
            await Task.Delay(Durations.TimerSeconds(sleep.Seconds), _time, ct);
            return HookResult.Success;
        }
        catch (OperationCanceledException)
        {
            return HookResult.Failed($"Sleep lifecycle hook ({sleep.Seconds}) {subject} container terminated before sleep hook finished");
        }
    }

    private static string Describe(V1LifecycleHandler handler) =>
        handler.TcpSocket is not null ? "tcpSocket is not supported for lifecycle hooks" : "no action set";
}
