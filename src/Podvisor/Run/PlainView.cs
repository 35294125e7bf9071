using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Run;

/// <summary>
/// The non-TTY view of <c>podvisor run</c>, on stderr: one timestamped line per change (phase, condition, container
/// state, event, finished RestartAllContainers cycle), e.g.
/// <c>15:04:05.123 default/ml-worker container main-application: Running (restarts 1)</c>, and each line a container
/// writes as <c>docker compose up</c> shows it: <c>ml-worker/main-application#2 | trained step 6</c>.
/// </summary>
public sealed class PlainView(TextWriter output, TimeProvider time, RunSink sink)
{
    private readonly Dictionary<string, string> _last = new(StringComparer.Ordinal);

    /// <summary>The first lines, before the agent reported anything.</summary>
    public void Starting(V1Pod pod) =>
        Write($"{Name(pod)} starting: {string.Join(", ", pod.Spec.AllContainers().Select(c => $"{c.Container.Name} ({c.Kind.ToString().ToLowerInvariant()})"))}");

    public void Show(RunChange change)
    {
        var pod = Name(change.Pod);
        switch (change)
        {
            case OutputChange { Line: var line }:
                output.WriteLine($"{line.Source} | {line.Text}");
                break;
            case EventChange { Event: var e }:
                var about = e.InvolvedObject.FieldPath is { } path ? $" {path}" : "";
                Write($"{pod} event {e.Type} {e.Reason}{about}: {e.Message}");
                break;
            case CycleChange { Cycle: var cycle }:
                Write($"{pod} RestartAllContainers {cycle.Describe()}");
                break;
            case StatusChange { Status: var status }:
                ShowStatus(change.Pod, pod, status);
                break;
        }
    }

    private void ShowStatus(V1Pod pod, string name, V1PodStatus status)
    {
        Emit(name, "phase", status.Phase ?? PodPhases.Pending);
        foreach (var c in status.Conditions ?? [])
        {
            Emit(name, "condition " + c.Type, c.Status + (string.IsNullOrEmpty(c.Reason) ? "" : $" ({c.Reason})"));
        }

        foreach (var c in (status.InitContainerStatuses ?? []).Concat(status.ContainerStatuses ?? []))
        {
            Emit(name, "container " + c.Name, $"{ContainerStateText.Describe(c, sink.LastExit(pod, c.Name), null)} (restarts {c.RestartCount})");
        }
    }

    private static string Name(V1Pod pod) => $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}";

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
