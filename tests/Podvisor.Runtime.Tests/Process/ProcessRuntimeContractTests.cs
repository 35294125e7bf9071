using Microsoft.Extensions.Logging.Abstractions;
using Podvisor.Runtime.Contract;
using Podvisor.Runtime.Process;
using Podvisor.Runtime.Process.Native;
using Podvisor.Runtime.Process.Shim;

namespace Podvisor.Runtime.Tests.Process;

/// <summary>
/// The runtime contract on the process runtime, with host binaries as commands. The case's shim runs apart from the
/// runtime instances (as <c>podvisor shim</c> does for serve), so a second instance on the DataDir adopts containers.
/// </summary>
[RuntimeUnderTest(Adopts = true)]
public sealed class ProcessRuntimeContractTests : RuntimeContractTests
{
    private readonly ShimServer _shim;

    public ProcessRuntimeContractTests()
    {
        DataDir = Path.Combine("/tmp/podvisor-runtime-tests", Guid.NewGuid().ToString("N")[..12]);
        _shim = ShimServer.Listen(Path.Combine(DataDir, "runtime"), Libc.geteuid() == 0, TimeProvider.System, NullLogger.Instance, exitWhenIdle: false);
    }

    protected override string DataDir { get; }

    protected override async Task<IContainerRuntime> OpenAsync(CancellationToken ct) =>
        await ProcessRuntime.OpenAsync(RuntimeHarness.Options(DataDir, privileged: null), ct);

    protected override async Task CloseAsync(IContainerRuntime runtime) => await ((ProcessRuntime)runtime).DisposeAsync();

    protected override ContainerConfig ExitsWith(ContainerConfig config, int exitCode) => config with { Argv = ["/bin/sh", "-c", $"exit {exitCode}"] };

    protected override ContainerConfig RunsUntilStopped(ContainerConfig config) => config with { Argv = ["/bin/sleep", "3600"] };

    protected override ContainerConfig MissingExecutable(ContainerConfig config) => config with { Argv = ["/no/such/executable"] };

    /// <summary>SIGKILLs the pid the closed runtime recorded and waits until it is gone.</summary>
    protected override async Task KillWhileClosedAsync(string containerId)
    {
        int pid;
        using (var store = new RuntimeStateStore(DataDir, e => throw e))
        {
            pid = store.LoadContainers().Single(r => r.Id == containerId).Pid;
        }

        Assert.Equal(0, Libc.kill(pid, Libc.SIGKILL));
        await RuntimeHarness.WaitForProcessExitAsync(pid, Deadline);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _shim.DisposeAsync();
        Directory.Delete(DataDir, recursive: true);
    }
}
