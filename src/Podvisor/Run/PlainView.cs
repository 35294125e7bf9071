using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Run;

/// <summary>
/// The non-TTY view of <c>podvisor run</c>: one readable line on stderr per change (phase, condition, container state,
/// event), e.g. <c>15:04:05.123 default/ml-worker container main-application: Running (restarts 1)</c>.
/// </summary>
public sealed class PlainView(TextWriter output, TimeProvider time)
{
    private readonly Dictionary<string, string> _last = new(StringComparer.Ordinal);

    public void Show(RunChange change)
    {
        var pod = $"{change.Pod.Metadata.NamespaceProperty}/{change.Pod.Metadata.Name}";
        if (change.Event is { } e)
        {
            var about = e.InvolvedObject.FieldPath is { } path ? $" {path}" : "";
            Write($"{pod} event {e.Type} {e.Reason}{about}: {e.Message}");
            return;
        }

        if (change.Status is not { } status)
        {
            return;
        }

        Emit(pod, "phase", status.Phase ?? PodPhases.Pending);
        foreach (var c in status.Conditions ?? [])
        {
            Emit(pod, "condition " + c.Type, c.Status + (string.IsNullOrEmpty(c.Reason) ? "" : $" ({c.Reason})"));
        }

        foreach (var c in (status.InitContainerStatuses ?? []).Concat(status.ContainerStatuses ?? []))
        {
            Emit(pod, "container " + c.Name, $"{Describe(c.State)} (restarts {c.RestartCount})");
        }
    }

    /// <summary>kubectl-like one-word state: Running, Waiting: Reason, Terminated: Reason (exit N).</summary>
    public static string Describe(V1ContainerState? state) => state switch
    {
        { Running: not null } => "Running",
        { Terminated: { } t } => $"Terminated: {t.Reason} (exit {t.ExitCode})",
        { Waiting: { } w } => string.IsNullOrEmpty(w.Reason) ? "Waiting" : $"Waiting: {w.Reason}",
        _ => "Waiting",
    };

    private void Emit(string pod, string what, string value)
    {
        var key = pod + " " + what;
        if (_last.TryGetValue(key, out var previous) && previous == value)
        {
            return;
        }

        _last[key] = value;
        Write($"{pod} {what}: {value}");
    }

    private void Write(string line) => output.WriteLine($"{time.GetLocalNow():HH:mm:ss.fff} {line}");
}
