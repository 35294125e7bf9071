using System.Globalization;
using k8s.Models;
using Podvisor.Core.Model;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Podvisor.Run;

/// <summary>
/// The TTY view of <c>podvisor run</c>: per pod its phase, IP, conditions, its last RestartAllContainers cycle, a table
/// of containers (kind, state, restarts with ↻ for the ones the last cycle restarted, age of the state) and the last
/// events; below, a pane with the containers' newest output lines. Redrawn on every change and once a second (ages,
/// back-off countdowns). Keys: <c>r</c> restarts all containers of the selected pod in place, ↑/↓ select.
/// </summary>
public sealed class LiveView(IAnsiConsole console, TimeProvider time, Action<V1Pod>? restart = null)
{
    private const int EventLines = 6;
    private int _selected;

    public async Task RunAsync(RunSink sink, Task until)
    {
        var done = false;
        if (restart is not null && !Console.IsInputRedirected)
        {
            // Console.ReadKey blocks: one background thread for the keyboard, left blocked when the view ends.
            new Thread(() => ReadKeys(sink, () => done)) { IsBackground = true, Name = "podvisor-keys" }.Start();
        }

        await console.Live(Render(sink)).AutoClear(false).StartAsync(async ctx =>
        {
            // Spectre draws only on a refresh: the first frame (every container "starting") goes out now, synchronously
            // from PodRunner's constructor, not with the agent's first change.
            ctx.Refresh();
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
        done = true;
    }

    private void ReadKeys(RunSink sink, Func<bool> done)
    {
        while (!done())
        {
            var key = Console.ReadKey(intercept: true);
            var pods = sink.Pods.ToList();
            switch (key.Key)
            {
                case ConsoleKey.UpArrow:
                    _selected = Math.Max(0, _selected - 1);
                    break;
                case ConsoleKey.DownArrow:
                    _selected = Math.Min(pods.Count - 1, _selected + 1);
                    break;
                case ConsoleKey.R when pods.Count > 0:
                    restart!(pods[Math.Min(_selected, pods.Count - 1)]);
                    break;
            }
        }
    }

    private Rows Render(RunSink sink)
    {
        var now = time.GetUtcNow();
        var pods = sink.Pods.ToList();
        var parts = pods.Select((p, i) => RenderPod(p, sink, now, selected: pods.Count > 1 && i == _selected)).ToList<IRenderable>();
        parts.Add(RenderOutput(sink));
        if (restart is not null)
        {
            parts.Add(new Markup("[grey]r: restart all containers of the " + (pods.Count > 1 ? "selected pod (↑/↓ select)" : "pod") + " in place · Ctrl-C: delete the pods and exit[/]"));
        }

        return new Rows(parts);
    }

    private static Panel RenderOutput(RunSink sink)
    {
        var lines = sink.RecentOutput.Select(o => $"[cyan]{Markup.Escape(o.Line.Source)}[/] | {Markup.Escape(o.Line.Text)}").ToList();
        return new Panel(new Markup(lines.Count == 0 ? "[grey]no output yet[/]" : string.Join('\n', lines)))
            .Header("output").Border(BoxBorder.Rounded).Expand();
    }

    private static Panel RenderPod(V1Pod pod, RunSink sink, DateTimeOffset now, bool selected)
    {
        var status = pod.Status;
        var cycles = sink.Cycles(pod.Metadata.Uid);
        var last = cycles.Count > 0 ? cycles[^1] : null;
        var table = new Table().Border(TableBorder.Rounded).Expand();
        table.AddColumns("CONTAINER", "KIND", "STATE", "RESTARTS", "AGE");
        foreach (var (container, kind, _) in pod.Spec.AllContainers())
        {
            var cs = (status?.InitContainerStatuses ?? []).Concat(status?.ContainerStatuses ?? []).FirstOrDefault(s => s.Name == container.Name);
            var restarts = (cs?.RestartCount ?? 0).ToString(CultureInfo.InvariantCulture);
            table.AddRow(
                Markup.Escape(container.Name),
                kind.ToString().ToLowerInvariant(),
                StateMarkup(cs, ContainerStateText.Describe(cs, sink.LastExit(pod, container.Name), now)),
                last?.Restarted.Contains(container.Name) == true ? $"{restarts} [magenta]↻{last.Number}[/]" : restarts,
                Age(StateSince(cs?.State), now));
        }

        var conditions = string.Join("  ", (status?.Conditions ?? []).Select(c =>
            $"{c.Type}={(c.Status == "True" ? "[green]True[/]" : "[grey]" + Markup.Escape(c.Status ?? "") + "[/]")}"));
        var events = sink.Events.Where(e => e.InvolvedObject.Uid == pod.Metadata.Uid).OrderBy(e => e.LastTimestamp).TakeLast(EventLines)
            .Select(e => $"[grey]{e.LastTimestamp:HH:mm:ss}[/] {(e.Type == "Warning" ? "[yellow]" : "")}{Markup.Escape(e.Reason ?? "")}{(e.Type == "Warning" ? "[/]" : "")} {Markup.Escape(e.Message ?? "")}");
        var header = $"{(selected ? "[reverse]" : "")}[bold]{Markup.Escape(pod.Metadata.NamespaceProperty + "/" + pod.Metadata.Name)}[/]{(selected ? "[/]" : "")}"
            + $"  phase [bold]{Markup.Escape(status?.Phase ?? PodPhases.Pending)}[/]  IP {Markup.Escape(status?.PodIP ?? "-")}";
        var cycle = last is null
            ? "[grey]RestartAllContainers: no cycle yet[/]"
            : $"[magenta]RestartAllContainers[/] {Markup.Escape(last.Describe())}, {cycles.Count} cycle{(cycles.Count == 1 ? "" : "s")} [grey](↻ restarted by it)[/]";
        return new Panel(new Rows(new Markup(header), new Markup(conditions), new Markup(cycle), table, new Markup(string.Join('\n', events))))
            .Border(BoxBorder.Rounded);
    }

    private static string StateMarkup(V1ContainerStatus? status, string described)
    {
        var text = Markup.Escape(described);
        return status?.State switch
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
