using CsCheck;
using k8s.Models;
using Podvisor.Agent.Hooks;
using Podvisor.Core.Lifecycle;

namespace Podvisor.Agent.Tests.Hooks;

/// <summary>killContainer's grace-period arithmetic (docs/lifecycle.md §10.1) and lifecycle.stopSignal names.</summary>
public sealed class GracePeriodTests
{
    private static (V1Pod Pod, V1Container Container) Spec(long? specGrace, long? deletionGrace, long? livenessGrace, long? startupGrace, bool preStop = false)
    {
        var container = new V1Container
        {
            Name = "c",
            LivenessProbe = new V1Probe { TerminationGracePeriodSeconds = livenessGrace },
            StartupProbe = new V1Probe { TerminationGracePeriodSeconds = startupGrace },
            Lifecycle = preStop ? new V1Lifecycle { PreStop = new V1LifecycleHandler { Sleep = new V1SleepAction { Seconds = 1 } } } : null,
        };
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p", DeletionGracePeriodSeconds = deletionGrace },
            Spec = new V1PodSpec { Containers = [container], TerminationGracePeriodSeconds = specGrace },
        };
        return (pod, container);
    }

    [Theory]
    [InlineData(null, null, null, null, KillReason.SpecChanged, null, 30)] // API default
    [InlineData(10L, null, null, null, KillReason.SpecChanged, null, 10)]
    [InlineData(10L, 5L, null, null, KillReason.SpecChanged, null, 5)] // deletion grace wins over the spec
    [InlineData(10L, null, 3L, null, KillReason.LivenessProbe, null, 3)] // probe-level grace for a probe kill
    [InlineData(10L, null, 3L, 4L, KillReason.StartupProbe, null, 4)] // the startup probe's own grace
    [InlineData(10L, null, null, 4L, KillReason.LivenessProbe, null, 10)] // liveness kill ignores the startup grace
    [InlineData(10L, null, 3L, 4L, KillReason.SpecChanged, null, 10)] // not a probe kill
    [InlineData(10L, null, 3L, null, KillReason.Unknown, null, 10)]
    [InlineData(10L, 5L, 3L, null, KillReason.LivenessProbe, null, 5)] // deletion wins over the probe grace
    [InlineData(10L, 5L, 3L, null, KillReason.LivenessProbe, 7L, 7)] // an override wins over everything
    [InlineData(10L, null, null, null, KillReason.SpecChanged, 0L, 0)] // restart-all: grace 0
    [InlineData(0L, null, null, null, KillReason.SpecChanged, null, 0)]
    public void Compute(long? spec, long? deletion, long? liveness, long? startup, KillReason reason, long? forced, long expected)
    {
        var (pod, container) = Spec(spec, deletion, liveness, startup);

        Assert.Equal(expected, GracePeriod.Compute(pod, container, reason, forced));
    }

    [Theory]
    [InlineData(10, 4.0, 6, 6)] // CL-13: preStop 4 s of a 10 s grace
    [InlineData(10, 4.9, 6, 6)] // waits count in whole seconds, truncated
    [InlineData(10, 9.99, 1, 2)] // the 2 s minimum window
    [InlineData(10, 10.0, 0, 2)] // preStop cut at the grace period
    [InlineData(10, 12.0, -2, 2)]
    [InlineData(1, 0.5, 1, 2)]
    [InlineData(30, 0.0, 30, 30)]
    public void AfterWait_And_StopWindow(long grace, double waitedSeconds, long left, long window)
    {
        var remaining = GracePeriod.AfterWait(grace, TimeSpan.FromSeconds(waitedSeconds));

        Assert.Equal(left, remaining);
        Assert.Equal(TimeSpan.FromSeconds(window), GracePeriod.StopWindow(remaining));
    }

    [Fact]
    public void StopWindow_IsAtLeastTwoSeconds_AtMostTheGrace_AndShrinksWithTheWait() =>
        Gen.Select(Gen.Long[0, 3600], Gen.Double[0, 7200], Gen.Double[0, 100]).Sample((grace, waited, more) =>
        {
            var window = GracePeriod.StopWindow(GracePeriod.AfterWait(grace, TimeSpan.FromSeconds(waited)));
            var later = GracePeriod.StopWindow(GracePeriod.AfterWait(grace, TimeSpan.FromSeconds(waited + more)));
            return window >= TimeSpan.FromSeconds(2) && window <= TimeSpan.FromSeconds(Math.Max(grace, 2)) && later <= window;
        });

    [Theory]
    [InlineData(true, 10, true)]
    [InlineData(true, 0, false)] // grace 0 (restart-all): no preStop
    [InlineData(false, 10, false)]
    public void ShouldRunPreStop(bool hasPreStop, long grace, bool expected)
    {
        var (_, container) = Spec(null, null, null, null, hasPreStop);

        Assert.Equal(expected, GracePeriod.ShouldRunPreStop(container, grace));
    }
}
