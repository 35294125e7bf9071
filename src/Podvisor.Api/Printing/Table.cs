using k8s;
using k8s.Models;

namespace Podvisor.Api.Printing;

/// <summary>A meta.k8s.io/v1 TableColumnDefinition.</summary>
public sealed record TableColumn(string Name, string Type, string Format, string Description, int Priority)
{
    /// <summary>The NAME column every printer starts with (ObjectMeta.name's description).</summary>
    public static TableColumn NameColumn { get; } = new("Name", "string", "name", "Name must be unique within a namespace.", 0);

    /// <summary>The AGE column (ObjectMeta.creationTimestamp's description).</summary>
    public static TableColumn AgeColumn { get; } = new("Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this object was created.", 0);
}

/// <summary>A meta.k8s.io/v1 TableRowCondition.</summary>
public sealed record TableRowCondition(string Type, string Status, string Reason, string Message);

/// <summary>The cells of one Table row (strings, or longs for integer cells) and its row conditions.</summary>
public sealed record TableRow(IReadOnlyList<object> Cells, IReadOnlyList<TableRowCondition> Conditions);

/// <summary>Server-side printing of one kind (upstream: a TableConvertor from pkg/printers/internalversion).</summary>
internal interface ITablePrinter
{
    IReadOnlyList<TableColumn> Columns { get; }

    TableRow Print(IKubernetesObject<V1ObjectMeta> obj, DateTimeOffset now);
}
