using Podvisor.Core;

namespace Podvisor.E2E.Tests.Support;

/// <summary>
/// Base of the in-process tests: each test starts its own <see cref="AgentHarness"/> (own data dir, own runtime),
/// and xunit disposes it after the test even when the test failed, reporting cleanup problems next to the test's own.
/// Test classes are xunit collections, so classes run in parallel and the tests of one class one after another.
/// </summary>
public abstract class AgentTest : IAsyncLifetime
{
    private readonly List<AgentHarness> _harnesses = [];

    /// <summary>The harness of the last <see cref="StartAgentAsync"/> or <see cref="RunAsync"/>.</summary>
    protected AgentHarness Harness => _harnesses[^1];

    protected async Task<AgentHarness> StartAgentAsync(FeatureGates? gates = null, TimeSpan? crashLoopBackOffMax = null)
    {
        var harness = await AgentHarness.StartAsync(gates, crashLoopBackOffMax);
        _harnesses.Add(harness);
        return harness;
    }

    /// <summary>Starts an agent with the default gates and runs one pod on it.</summary>
    protected async Task<TestPod> RunAsync(string yaml) => (await StartAgentAsync()).Run(yaml);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var harness in _harnesses)
        {
            await harness.DisposeAsync();
        }
    }
}
