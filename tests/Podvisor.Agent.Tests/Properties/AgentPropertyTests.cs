using CsCheck;
using Podvisor.Agent.Tests.Support;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;

namespace Podvisor.Agent.Tests.Properties;

/// <summary>
/// Random pods (init containers, sidecars, regular containers, policies, rules incl. RestartAllContainers, gates) run by
/// the real agent on the fake runtime through random exits and clock moves; <see cref="LifecycleInvariants"/> after
/// every step. CsCheck prints the failing case and its seed (set <c>CsCheck_Seed</c> to replay it).
/// </summary>
public sealed class AgentPropertyTests
{
    private const long Iterations = 250;
    private static readonly TimeSpan ClockStep = TimeSpan.FromSeconds(10);

    [Fact]
    public Task RandomPodsAndExitSequencesKeepTheLifecycleInvariants() =>
        AgentCase.Generator.SampleAsync(RunAsync, iter: Iterations, threads: 1, print: c => c.ToString());

    private static async Task RunAsync(AgentCase c)
    {
        await using var h = new ScenarioHarness(c.Gates);
        var pod = await h.RunAsync(c.NewPod());
        var invariants = new LifecycleInvariants(h, pod);
        invariants.Check(trigger: false, invariants.Snapshot());
        foreach (var step in c.Steps)
        {
            var before = invariants.Snapshot();
            var running = h.Runtime.GetPodStatus(pod.Metadata.Uid).Containers
                .Where(i => i.State == RuntimeContainerState.Running).Select(i => i.Name).Distinct().Order(StringComparer.Ordinal).ToList();
            var trigger = false;
            var did = $"advance {step.AdvanceSeconds ?? 30}s";
            if (step.AdvanceSeconds is not null || running.Count == 0)
            {
                await h.AdvanceAsync(TimeSpan.FromSeconds(step.AdvanceSeconds ?? 30), ClockStep);
            }
            else
            {
                var name = running[step.Pick % running.Count];
                did = $"exit {name} with {step.Code}";
                trigger = c.Gates.RestartAllContainersOnContainerExits
                    && RestartPolicy.FindMatchingRule(pod.Spec.FindContainer(name)!, step.Code) is { IsRestartAll: true };
                await h.ExitAsync(pod, name, step.Code);
            }

            try
            {
                invariants.Check(trigger, before);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"after step {did}: {ex.Message}", ex);
            }
        }

        await h.AdvanceAsync(TimeSpan.FromSeconds(301), ClockStep);
        invariants.Check(trigger: false, invariants.Snapshot());
        invariants.CheckLive();
    }
}
