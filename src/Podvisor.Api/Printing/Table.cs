using k8s;
using k8s.Models;

namespace Podvisor.Api.Printing;

/// <summary>A meta.k8s.io/v1 TableColumnDefinition.</summary>
public sealed record TableColumn(string Name, string Type, string Format, string Description, int Priority);

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
