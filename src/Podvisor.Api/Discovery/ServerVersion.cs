using System.Reflection;
using Podvisor.Core;

namespace Podvisor.Api.Discovery;

/// <summary>
/// The version the API and the node report: the Kubernetes release whose semantics Podvisor follows, tagged with
/// Podvisor's own version (<c>v1.36.0-podvisor.0.1.0</c>), as a distribution tags its kubelet and apiserver builds.
/// </summary>
internal static class ServerVersion
{
    public const string Kubernetes = KubernetesRelease.Version;
    public static readonly string Major = KubernetesRelease.Minor.Split('.')[0];
    public static readonly string Minor = KubernetesRelease.Minor.Split('.')[1];

    public static readonly string Podvisor =
        typeof(ServerVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static readonly string GitVersion = $"{Kubernetes}-podvisor.{Podvisor}";

    /// <summary>The node's containerRuntimeVersion for the embedded process runtime (CRI runtimes report NAME://VERSION).</summary>
    public static readonly string ProcessRuntime = $"process://{Podvisor}";
}
