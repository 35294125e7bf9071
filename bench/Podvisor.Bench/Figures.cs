namespace Podvisor.Bench;

/// <summary>
/// One measured figure as written to <c>bench/results/latest.json</c>. <see cref="Baseline"/> is the same-run figure it
/// is compared with (same unit); <see cref="Ratio"/> = p99 / baseline. <see cref="Met"/> is null when nothing was
/// measured or no target applies.
/// </summary>
public sealed record Figure(
    string Name,
    string Unit,
    double? P50,
    double? P99,
    int Samples,
    double? Baseline,
    double? Ratio,
    string? Target,
    bool? Met)
{
    /// <summary>Shown in the table only: scale-downs, allocations, what the baseline is.</summary>
    public string Note { get; init; } = "";

    public static Figure NotMeasured(string name, string unit, string target, string why) =>
        new(name, unit, null, null, 0, null, null, target, null) { Note = "not measured: " + why };
}

/// <summary>A set of samples with nearest-rank percentiles.</summary>
public sealed class Samples
{
    private readonly List<double> _values = [];

    public int Count => _values.Count;

    public void Add(double value) => _values.Add(value);

    /// <summary>Nearest-rank percentile (q in 0..1) of the samples so far.</summary>
    public double Percentile(double q)
    {
        if (_values.Count == 0)
        {
            throw new InvalidOperationException("no samples");
        }

        var sorted = _values.Order().ToArray();
        var rank = (int)Math.Ceiling(q * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public double Mean => _values.Count == 0 ? throw new InvalidOperationException("no samples") : _values.Average();

    public double P50 => Percentile(0.50);

    public double P99 => Percentile(0.99);

    /// <summary>A figure from these samples, compared with <paramref name="baseline"/> (its p99) when given.</summary>
    public Figure ToFigure(string name, string unit, double? baseline, string? target, Func<Samples, bool>? met) =>
        new(name, unit, Round(P50), Round(P99), Count, baseline is { } b ? Round(b) : null,
            baseline is { } bb && bb > 0 ? Math.Round(P99 / bb, 2) : null, target, met?.Invoke(this));

    public static double Round(double value) => Math.Round(value, value >= 100 ? 1 : 3);
}

/// <summary>Stopwatch ticks to milliseconds.</summary>
public static class Ticks
{
    public static double ToMs(long ticks) => ticks * 1000.0 / System.Diagnostics.Stopwatch.Frequency;
}
