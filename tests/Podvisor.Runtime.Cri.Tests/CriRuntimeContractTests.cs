using Podvisor.Runtime.Contract;
using Podvisor.Runtime.Cri.Tests.Harness;

namespace Podvisor.Runtime.Cri.Tests;

/// <summary>
/// The runtime contract on the CRI runtime against the private containerd, with the busybox test image's commands.
/// The containers belong to containerd, so a second runtime instance on the endpoint adopts them.
/// </summary>
[Collection(ContainerdCollection.Name)]
[ContainerdRuntime(Adopts = true)]
public sealed class CriRuntimeContractTests(ContainerdFixture containerd) : RuntimeContractTests
{
    protected override string DataDir => containerd.DataDir;

    protected override async Task<IContainerRuntime> OpenAsync(CancellationToken ct) => await CriRuntime.OpenAsync(CriTestPod.Options(containerd), ct);

    protected override async Task CloseAsync(IContainerRuntime runtime) => await ((CriRuntime)runtime).DisposeAsync();

    protected override ContainerConfig ExitsWith(ContainerConfig config, int exitCode) => Busybox(config, "sh", "-c", $"exit {exitCode}");

    protected override ContainerConfig RunsUntilStopped(ContainerConfig config) => Busybox(config, "sleep", "3600");

    protected override ContainerConfig MissingExecutable(ContainerConfig config) => Busybox(config, "/no/such/executable");

    /// <summary>containerd kills it (CRI StopContainer, timeout 0) while no runtime instance watches.</summary>
    protected override async Task KillWhileClosedAsync(string containerId)
    {
        using var connection = CriConnection.Open(containerd.Endpoint);
        await connection.Runtime.StopContainerAsync(new V1.StopContainerRequest { ContainerId = containerId, Timeout = 0 }, cancellationToken: Deadline);
    }

    private ContainerConfig Busybox(ContainerConfig config, params string[] command) =>
        config with { Image = containerd.Image(TestImages.Busybox), Command = command, Argv = command };

    /// <summary>Skips the suite where the private containerd cannot start, as <see cref="CriFactAttribute"/> does.</summary>
    [AttributeUsage(AttributeTargets.Class)]
    private sealed class ContainerdRuntimeAttribute : RuntimeUnderTestAttribute
    {
        public override string? SkipReason => ContainerdFixture.SkipReason;
    }
}
