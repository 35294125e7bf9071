using Podvisor.Runtime;
using Podvisor.Runtime.Contract;

namespace Podvisor.Agent.Tests.Support;

/// <summary>
/// The runtime contract on <see cref="FakeContainerRuntime"/>, so the scenario tests drive the agent against a runtime
/// that behaves as the real ones do. Commands are scripts by container name; the fake keeps no state across instances.
/// </summary>
[RuntimeUnderTest(Adopts = false)]
public sealed class FakeRuntimeContractTests : RuntimeContractTests
{
    private FakeContainerRuntime? _fake;

    protected override string DataDir { get; } = Path.Combine(Path.GetTempPath(), "podvisor-fake-contract", Guid.NewGuid().ToString("N")[..12]);

    private FakeContainerRuntime Fake => _fake ?? throw new InvalidOperationException("not open");

    protected override Task<IContainerRuntime> OpenAsync(CancellationToken ct)
    {
        _fake = new FakeContainerRuntime(TimeProvider.System);
        return Task.FromResult<IContainerRuntime>(_fake);
    }

    protected override Task CloseAsync(IContainerRuntime runtime) => Task.CompletedTask;

    protected override ContainerConfig ExitsWith(ContainerConfig config, int exitCode)
    {
        Fake.Script(config.Name, _ => FakeBehavior.ExitWith(exitCode));
        return config;
    }

    protected override ContainerConfig RunsUntilStopped(ContainerConfig config) => config;

    protected override ContainerConfig MissingExecutable(ContainerConfig config)
    {
        Fake.FailStarts(config.Name, "exec: \"/no/such/executable\": stat /no/such/executable: no such file or directory");
        return config;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }
    }
}
