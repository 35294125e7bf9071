using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Podvisor.Bench;

/// <summary>The markdown table on stdout and <c>bench/results/latest.json</c>.</summary>
internal static class Report
{
    /// <summary>Every figure name, in table order (issue 6).</summary>
    public static readonly string[] FigureNames =
    [
        "floor", "exit_to_restart", "restart_all_cycle", "recreate", "idle_cpu_110", "idle_cpu_1000", "rss_1000",
        "storm_1000", "api_list_1000", "watch_fanout_100", "planner_compute",
    ];

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Markdown(IReadOnlyList<Figure> figures)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| Figure | Unit | p50 | p99 | Samples | Baseline (p99) | Ratio | Target | Met | Notes |");
        sb.AppendLine("|---|---|--:|--:|--:|--:|--:|---|---|---|");
        foreach (var f in figures)
        {
            var met = f.Met switch { true => "pass", false => "**miss**", null => "—" };
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {f.Name} | {f.Unit} | {Format(f.P50)} | {Format(f.P99)} | {f.Samples} | {Format(f.Baseline)} | {Format(f.Ratio)} | {f.Target ?? "—"} | {met} | {f.Note} |");
        }

        return sb.ToString();
    }

    public static void WriteJson(string path, Machine machine, IReadOnlyList<Figure> figures, BenchOptions options)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var document = new
        {
            machine,
            figures = figures.Select(f => new { f.Name, f.Unit, f.P50, f.P99, f.Samples, f.Baseline, f.Ratio, f.Target, f.Met }),
            notes = figures.Where(f => f.Note.Length > 0).ToDictionary(f => f.Name, f => f.Note),
            run = new { options.Suite, options.Quick, Utc = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture) },
        };
        File.WriteAllText(path, JsonSerializer.Serialize(document, Json) + "\n");
    }

    private static string Format(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture) ?? "—";
}
