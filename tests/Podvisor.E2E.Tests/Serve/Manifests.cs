using k8s;
using k8s.Models;

namespace Podvisor.E2E.Tests.Serve;

/// <summary>Pod manifests for the serve tests: the repository's examples, and test pods that wait on gate files.</summary>
internal static class Manifests
{
    /// <summary>The path of <c>examples/FILE</c> in the repository the tests were built from.</summary>
    public static string Example(string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "examples", file);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException($"examples/{file} not found above {AppContext.BaseDirectory}");
    }

    /// <summary>
    /// A pod from YAML in which <c>GATE</c> is replaced by the harness's gate directory: a hostPath volume named
    /// <c>gate</c> mounted at <c>/gate</c> lets containers wait for <see cref="ServeHarness.OpenGate"/>.
    /// </summary>
    public static string WithGate(ServeHarness h, string yaml) => yaml.Replace("GATE", h.GateDir, StringComparison.Ordinal);

    public static V1Pod Pod(ServeHarness h, string yaml) => KubernetesYaml.Deserialize<V1Pod>(WithGate(h, yaml));
}
