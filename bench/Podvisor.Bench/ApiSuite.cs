namespace Podvisor.Bench;

/// <summary>api_list_1000 and watch_fanout_100 against <c>podvisor serve</c>.</summary>
internal static class ApiSuite
{
    public static Task<IReadOnlyList<Figure>> RunAsync(BenchOptions options) =>
        Task.FromResult<IReadOnlyList<Figure>>(
        [
            Figure.NotMeasured("api_list_1000", "ms", "p99 < 100 ms", "`podvisor serve` is not on main yet"),
            Figure.NotMeasured("watch_fanout_100", "ms", "—", "`podvisor serve` is not on main yet"),
        ]);
}
