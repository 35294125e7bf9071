using k8s;
using k8s.Models;

namespace Podvisor.Api.Printing;

/// <summary>The event row of <c>kubectl get events</c>. Mirrors printEvent (wide form) in pkg/printers/internalversion.</summary>
internal sealed class EventTablePrinter : ITablePrinter
{
    private static readonly TableColumn[] EventColumns =
    [
        new("Last Seen", "string", "", "The time at which the most recent occurrence of this event was recorded.", 0),
        new("Type", "string", "", "Type of this event (Normal, Warning), new types could be added in the future", 0),
        new("Reason", "string", "", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.", 0),
        new("Object", "string", "", "The object that this event is about.", 0),
        new("Subobject", "string", "", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].", 1),
        new("Source", "string", "", "The component reporting this event. Should be a short machine understandable string.", 1),
        new("Message", "string", "", "A human-readable description of the status of this operation.", 0),
        new("First Seen", "string", "", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", 1),
        new("Count", "string", "", "The number of times this event has occurred.", 1),
        new("Name", "string", "name", "Name must be unique within a namespace.", 1),
    ];

    public IReadOnlyList<TableColumn> Columns => EventColumns;

    public TableRow Print(IKubernetesObject<V1ObjectMeta> obj, DateTimeOffset now)
    {
        var evt = (Corev1Event)obj;
        var first = IsSet(evt.FirstTimestamp) ? HumanDuration.Since(evt.FirstTimestamp, now) : HumanDuration.Since(evt.EventTime, now);
        var last = IsSet(evt.LastTimestamp) ? HumanDuration.Since(evt.LastTimestamp, now) : first;
        long count = evt.Count ?? 0;
        if (evt.Series is not null)
        {
            last = HumanDuration.Since(evt.Series.LastObservedTime, now);
            count = evt.Series.Count ?? 0;
        }
        else if (count == 0)
        {
            count = 1;
        }

        var involved = evt.InvolvedObject;
        var kind = (involved?.Kind ?? "").ToLowerInvariant();
        var target = string.IsNullOrEmpty(involved?.Name) ? kind : kind + "/" + involved.Name;
        object[] cells =
        [
            last, evt.Type ?? "", evt.Reason ?? "", target, involved?.FieldPath ?? "", Source(evt), (evt.Message ?? "").Trim(), first, count,
            evt.Metadata?.Name ?? "",
        ];
        return new TableRow(cells, []);
    }

    private static bool IsSet(DateTime? t) => t is { } v && v != default;

    /// <summary>formatEventSource: component (or reportingController), then ", host" (or reportingInstance) when present.</summary>
    private static string Source(Corev1Event evt)
    {
        var component = FirstNonEmpty(evt.Source?.Component, evt.ReportingComponent);
        var instance = FirstNonEmpty(evt.Source?.Host, evt.ReportingInstance);
        return instance.Length == 0 ? component : component + ", " + instance;
    }

    private static string FirstNonEmpty(string? a, string? b) => !string.IsNullOrEmpty(a) ? a : b ?? "";
}

/// <summary>The namespace row of <c>kubectl get ns</c> (printNamespace).</summary>
internal sealed class NamespaceTablePrinter : ITablePrinter
{
    private static readonly TableColumn[] NamespaceColumns =
    [
        TableColumn.NameColumn,
        new("Status", "string", "", "The status of the namespace", 0),
        TableColumn.AgeColumn,
    ];

    public IReadOnlyList<TableColumn> Columns => NamespaceColumns;

    public TableRow Print(IKubernetesObject<V1ObjectMeta> obj, DateTimeOffset now)
    {
        var ns = (V1Namespace)obj;
        return new TableRow([ns.Metadata?.Name ?? "", ns.Status?.Phase ?? "", HumanDuration.Since(ns.Metadata?.CreationTimestamp, now)], []);
    }
}
