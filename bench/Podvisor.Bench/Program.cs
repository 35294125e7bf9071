using System.Diagnostics;

namespace Podvisor.Bench;

/// <summary>Parsed command line: <c>[suite] [--quick]</c>.</summary>
public sealed record BenchOptions(string Suite, bool Quick)
{
    public static readonly string[] Suites = ["all", "latency", "scale", "api", "micro"];

    public bool Runs(string suite) => Suite == "all" || Suite == suite;
}

/// <summary>
/// <c>dotnet run -c Release --project bench/Podvisor.Bench -- [all|latency|scale|api|micro] [--quick]</c>: measures,
/// prints a markdown table and writes bench/results/latest.json (issue 6). Misses never fail the run.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var quick = args.Contains("--quick");
        var rest = args.Where(a => a != "--quick").ToList();
        if (rest.Count > 1 || (rest.Count == 1 && !BenchOptions.Suites.Contains(rest[0])))
        {
            Console.Error.WriteLine($"usage: Podvisor.Bench [{string.Join('|', BenchOptions.Suites)}] [--quick]");
            return 2;
        }

        var options = new BenchOptions(rest.Count == 1 ? rest[0] : "all", quick);
        var resultsDir = Path.Combine(RepositoryRoot(), "bench", "results");
        var openFiles = Limits.RaiseOpenFiles(1 << 18);
        var clock = Stopwatch.StartNew();
        var figures = new List<Figure>();
        try
        {
            figures.AddRange(await RunSuiteAsync(options, "latency", () => LatencySuite.RunAsync(options)));
            figures.AddRange(await RunSuiteAsync(options, "scale", () => ScaleSuite.RunAsync(options)));
            figures.AddRange(await RunSuiteAsync(options, "api", () => ApiSuite.RunAsync(options)));
            figures.AddRange(await RunSuiteAsync(options, "micro", () => Task.FromResult(MicroSuite.Run(options, resultsDir))));
        }
        finally
        {
            await Network.RemoveBridgeAsync(BenchNode.Bridge);
        }

        var ordered = Report.FigureNames
            .Select(name => figures.FirstOrDefault(f => f.Name == name) ?? Figure.NotMeasured(name, "", "", $"suite not run ({options.Suite})"))
            .ToList();
        var machine = Machine.Describe(Native.geteuid() == 0);
        Console.WriteLine();
        Console.WriteLine($"Podvisor bench ({options.Suite}{(quick ? ", --quick" : "")}) in {clock.Elapsed.TotalSeconds:F0} s on {machine.Cores} cores, "
            + $"{machine.Memory}, Linux {machine.Kernel}, {machine.Dotnet}; {machine.Runtime}; open files {openFiles}");
        Console.WriteLine();
        Console.Write(Report.Markdown(ordered));
        var json = Path.Combine(resultsDir, "latest.json");
        Report.WriteJson(json, machine, ordered, options);
        Console.WriteLine();
        Console.WriteLine($"wrote {Path.GetRelativePath(Environment.CurrentDirectory, json)}");
        return 0;
    }

    private static async Task<IReadOnlyList<Figure>> RunSuiteAsync(BenchOptions options, string suite, Func<Task<IReadOnlyList<Figure>>> run)
    {
        if (!options.Runs(suite))
        {
            return [];
        }

        var clock = Stopwatch.StartNew();
        Console.Error.WriteLine($"bench: {suite} ...");
        var figures = await run();
        Console.Error.WriteLine($"bench: {suite} done in {clock.Elapsed.TotalSeconds:F1} s");
        return figures;
    }

    /// <summary>The directory holding Podvisor.sln, from the working directory up; else the working directory.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Podvisor.sln")))
            {
                return dir.FullName;
            }
        }

        return Environment.CurrentDirectory;
    }
}

/// <summary>Removes the bench's bridge (the runtime leaves bridges in place by design).</summary>
internal static class Network
{
    public static async Task RemoveBridgeAsync(string bridge)
    {
        if (!Directory.Exists(Path.Combine("/sys/class/net", bridge)))
        {
            return;
        }

        using var ip = Process.Start(new ProcessStartInfo("ip", ["link", "del", bridge]) { UseShellExecute = false });
        if (ip is not null)
        {
            await ip.WaitForExitAsync();
        }
    }
}
