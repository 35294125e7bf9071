using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Run;

/// <summary>
/// A container's state in a few words, kubectl-like: <c>Running</c>, <c>Terminated: Error (exit 1)</c>,
/// <c>Waiting: CrashLoopBackOff (last exit 1, next start in 7s)</c>, <c>starting</c> before the agent reported it.
/// </summary>
public static class ContainerStateText
{
    /// <summary>Waiting states have no reason while the agent has not reported the container yet.</summary>
    public const string Starting = "starting";

    /// <param name="lastExit">The newest instance's exit as the runtime recorded it (precise), else lastState's finishedAt.</param>
    /// <param name="now">Null prints the next start as a clock time (plain lines), else as a countdown (live view).</param>
    public static string Describe(V1ContainerStatus? status, DateTimeOffset? lastExit, DateTimeOffset? now) => status?.State switch
    {
        null => Starting,
        { Running: not null } => "Running",
        { Terminated: { } t } => $"Terminated: {t.Reason} (exit {t.ExitCode})",
        { Waiting: { Reason: ContainerReasons.CrashLoopBackOff } w } => $"Waiting: {w.Reason} ({BackOff(status, w, lastExit, now)})",
        { Waiting: { } w } => string.IsNullOrEmpty(w.Reason) ? "Waiting" : $"Waiting: {w.Reason}",
        _ => "Waiting",
    };

    /// <summary>
    /// Last exit code and the next start: the exit plus the back-off in the kubelet's waiting message
    /// (<c>back-off 20s restarting failed container=...</c>, kuberuntime_manager.go doBackOff).
    /// </summary>
    private static string BackOff(V1ContainerStatus status, V1ContainerStateWaiting waiting, DateTimeOffset? lastExit, DateTimeOffset? now)
    {
        var last = status.LastState?.Terminated;
        var exit = last is null ? "" : $"last exit {last.ExitCode}";
        var words = (waiting.Message ?? "").Split(' ');
        var finished = lastExit ?? (last?.FinishedAt is { } f ? new DateTimeOffset(DateTime.SpecifyKind(f, DateTimeKind.Utc)) : null);
        if (words is not ["back-off", var delay, ..] || !GoDuration.TryParse(delay, out var backOff) || finished is not { } exited)
        {
            return exit;
        }

        var next = exited + backOff;
        var when = now is { } t
            ? $"next start in {Math.Max(0, Math.Ceiling((next - t).TotalSeconds)):0}s"
            : $"next start at {next.ToLocalTime():HH:mm:ss.fff}";
        return exit.Length == 0 ? when : $"{exit}, {when}";
    }
}
