namespace Podvisor.E2E.Tests.Support;

/// <summary>Paths in the source tree the tests run from.</summary>
public static class Repository
{
    /// <summary>The directory holding Podvisor.sln, found upwards from the test assembly.</summary>
    public static string Root { get; } = FindRoot();

    public static string Example(string file) => Path.Combine(Root, "examples", file);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Podvisor.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Podvisor.sln not found above " + AppContext.BaseDirectory);
    }
}
