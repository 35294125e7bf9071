using System.Globalization;
using System.Text.RegularExpressions;

namespace Podvisor.E2E.Tests.Serve;

/// <summary>A row of <c>kubectl get pods</c> (default columns NAME, READY, STATUS, RESTARTS, AGE); null for other lines.</summary>
internal sealed partial record PodRow(string Name, string Ready, string Status, string Restarts, string Age)
{
    /// <summary>The count before kubectl's <c>(4s ago)</c> suffix.</summary>
    public int RestartCount => int.Parse(Restarts.Split(' ')[0], CultureInfo.InvariantCulture);

    public static PodRow? Parse(string line)
    {
        // kubectl's tabwriter pads columns with at least 3 spaces; cells like "1 (4s ago)" hold single spaces.
        var cells = Columns().Split(line.Trim());
        return cells.Length == 5 && cells[0] != "NAME" ? new PodRow(cells[0], cells[1], cells[2], cells[3], cells[4]) : null;
    }

    /// <summary>True when <paramref name="line"/> is a row of pod <paramref name="name"/> with STATUS <paramref name="status"/>.</summary>
    public static bool Is(string line, string name, string status) => Parse(line) is { } row && row.Name == name && row.Status == status;

    [GeneratedRegex(@"\s{2,}")]
    private static partial Regex Columns();
}
