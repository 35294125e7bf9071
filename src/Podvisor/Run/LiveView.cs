using k8s.Models;
using Podvisor.Core.Model;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Podvisor.Run;

/// <summary>
/// The TTY view of <c>podvisor run</c>: per pod its phase, IP and conditions, a table of containers (kind, state,
/// restarts, age of the state) and the last events; redrawn on every change and once a second for the ages.
/// </summary>
public sealed class LiveView(IAnsiConsole console, TimeProvider time)
{
    private const int EventLines = 6;

    public async Task RunAsync(RunSink sink, Task until)
    {
        await console.Live(Render(sink)).AutoClear(false).StartAsync(async ctx =>
        {
            while (!until.IsCompleted)
            {
                var change = sink.Changes.WaitToReadAsync().AsTask();
                await Task.WhenAny(change, until, Task.Delay(TimeSpan.FromSeconds(1), time));
                while (sink.Changes.TryRead(out _))
                {
                }

                ctx.UpdateTarget(Render(sink));
            }

            ctx.UpdateTarget(Render(sink));
        });
    }

    private IRenderable Render(RunSink sink)
    {
        var now = time.GetUtcNow();
        var parts = sink.Pods.Select(p => RenderPod(p, sink, now)).ToList();
        return new Rows(parts);
    }

    private static IRenderable RenderPod(V1Pod pod, RunSink sink, DateTimeOffset now)
    {
        var status = pod.Status;
        var table = new Table().Border(TableBorder.Rounded).Expand();
        table.AddColumns("CONTAINER", "KIND", "STATE", "RESTARTS", "AGE");
        foreach (var (container, kind, _) in pod.Spec.AllContainers())
        {
            var cs = (status?.InitContainerStatuses ?? []).Concat(status?.ContainerStatuses ?? []).FirstOrDefault(s => s.Name == container.Name);
            table.AddRow(
                Markup.Escape(container.Name),
                kind.ToString().ToLowerInvariant(),
                StateMarkup(cs?.State),
                (cs?.RestartCount ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture),
                Age(StateSince(cs?.State), now));
        }

        var conditions = string.Join("  ", (status?.Conditions ?? []).Select(c =>
            $"{c.Type}={(c.Status == "True" ? "[green]True[/]" : "[grey]" + Markup.Escape(c.Status ?? "") + "[/]")}"));
        var events = sink.Events.Where(e => e.InvolvedObject.Uid == pod.Metadata.Uid).OrderBy(e => e.LastTimestamp).TakeLast(EventLines)
            .Select(e => $"[grey]{e.LastTimestamp:HH:mm:ss}[/] {(e.Type == "Warning" ? "[yellow]" : "")}{Markup.Escape(e.Reason ?? "")}{(e.Type == "Warning" ? "[/]" : "")} {Markup.Escape(e.Message ?? "")}");
        var header = $"[bold]{Markup.Escape(pod.Metadata.NamespaceProperty + "/" + pod.Metadata.Name)}[/]  phase [bold]{Markup.Escape(status?.Phase ?? PodPhases.Pending)}[/]  IP {Markup.Escape(status?.PodIP ?? "-")}";
        return new Panel(new Rows(new Markup(header), new Markup(conditions), table, new Markup(string.Join('\n', events))))
            .Border(BoxBorder.Rounded);
    }

    private static string StateMarkup(V1ContainerState? state)
    {
        var text = Markup.Escape(PlainView.Describe(state));
        return state switch
        {
            { Running: not null } => $"[green]{text}[/]",
            { Terminated.ExitCode: 0 } => $"[blue]{text}[/]",
            { Terminated: not null } => $"[red]{text}[/]",
            _ => $"[yellow]{text}[/]",
        };
    }

    private static DateTime? StateSince(V1ContainerState? state) =>
        state?.Running?.StartedAt ?? state?.Terminated?.FinishedAt;

    private static string Age(DateTime? since, DateTimeOffset now)
    {
        if (since is not { } t)
        {
            return "-";
        }

        var d = now - new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc));
        return d.TotalSeconds < 60 ? $"{Math.Max(0, (int)d.TotalSeconds)}s" : d.TotalMinutes < 60 ? $"{(int)d.TotalMinutes}m{d.Seconds}s" : $"{(int)d.TotalHours}h{d.Minutes}m";
    }
}
