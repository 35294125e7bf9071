using k8s.Models;
using Podvisor.Agent.Tests.Support;
using Podvisor.Core.Model;

namespace Podvisor.Agent.Tests.Scenarios;

/// <summary>Core pod lifecycle scenarios (docs/scenarios.md CL) through the real agent on the fake runtime.</summary>
public sealed partial class CoreLifecycleScenarioTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private const string CrashingPod = """
        metadata: {name: cl01}
        spec:
          containers:
          - {name: c, command: ["sh", "-c", "exit 1"]}
        """;

    /// <summary>
    /// Asserts the waits of a container that crashes at once on every start: for each wait, the waiting message names it,
    /// no start happens one second before it ends, and the start happens exactly when it ends.
    /// </summary>
    private static async Task AssertBackOffWaitsAsync(ScenarioHarness h, V1Pod pod, params string[] waits)
    {
        foreach (var wait in waits)
        {
            var c = h.Container(pod, "c");
            Assert.Equal(ContainerReasons.CrashLoopBackOff, c.State.Waiting?.Reason);
            Assert.Equal($"back-off {wait} restarting failed container=c pod=cl01_default({pod.Metadata.Uid})", c.State.Waiting?.Message);
            var starts = h.Runtime.StartCount("c");
            var duration = GoDurationSeconds(wait);
            await h.AdvanceAsync(duration - Second, duration - Second);
            Assert.Equal(starts, h.Runtime.StartCount("c"));
            await h.AdvanceAsync(Second);
            Assert.Equal(starts + 1, h.Runtime.StartCount("c"));
        }
    }

    private static TimeSpan GoDurationSeconds(string go) => go.Split('m') switch
    {
        [var s] => TimeSpan.FromSeconds(int.Parse(s.TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture)),
        [var m, var s] => TimeSpan.FromMinutes(int.Parse(m, System.Globalization.CultureInfo.InvariantCulture))
            + TimeSpan.FromSeconds(int.Parse(s.TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture)),
        _ => throw new ArgumentException(go),
    };

    [Fact]
    public async Task CL_01_CrashLoopBackOffDoublesFromFinishedAtAndResetsAfterTenMinutesOfRunning()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("c", n => n == 9 ? FakeBehavior.Run : FakeBehavior.ExitWith(1));
        var pod = await h.RunAsync(CrashingPod);

        // The first restart is immediate; the refused start is a Warning BackOff event.
        Assert.Equal(2, h.Runtime.StartCount("c"));
        Assert.NotEmpty(h.EventsWithReason(EventReasons.BackOff));
        Assert.All(h.EventsWithReason(EventReasons.BackOff), e =>
        {
            Assert.Equal("Warning", e.Type);
            Assert.Equal($"Back-off restarting failed container c in pod cl01_default({pod.Metadata.Uid})", e.Message);
        });
        await AssertBackOffWaitsAsync(h, pod, "10s", "20s", "40s", "1m20s", "2m40s", "5m0s", "5m0s", "5m0s");
        Assert.NotNull(h.Container(pod, "c").State.Running);

        // More than 10 minutes of running: the next crash restarts at once and the backoff starts again at 10 s.
        await h.AdvanceAsync(TimeSpan.FromSeconds(601), TimeSpan.FromSeconds(60));
        var starts = h.Runtime.StartCount("c");
        await h.ExitAsync(pod, "c", 1);
        Assert.Equal(starts + 1, h.Runtime.StartCount("c"));
        await AssertBackOffWaitsAsync(h, pod, "10s");
        Assert.Equal(PodPhases.Running, h.Status(pod).Phase);
    }

    [Theory]
    [InlineData(30, new[] { "10s", "20s", "30s", "30s" })]
    [InlineData(5, new[] { "5s", "5s", "5s" })]
    public async Task CL_01_MaxContainerRestartPeriodCapsTheBackoff(int maxSeconds, string[] waits)
    {
        await using var h = new ScenarioHarness(crashLoopBackOffMax: TimeSpan.FromSeconds(maxSeconds));
        h.Runtime.Script("c", _ => FakeBehavior.ExitWith(1));
        var pod = await h.RunAsync(CrashingPod);

        await AssertBackOffWaitsAsync(h, pod, waits);
    }

    [Fact]
    public async Task CL_02_InitContainersRunOneAtATimeInOrder()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("b", _ => FakeBehavior.ExitWith(0));
        var pod = await h.RunAsync("""
            metadata: {name: cl02}
            spec:
              initContainers:
              - {name: a, command: ["sh", "-c", "sleep 5; exit 0"]}
              - {name: b, command: ["true"]}
              containers:
              - {name: c, command: ["sleep", "10000"]}
            """);

        Assert.Equal(["a"], h.Started());
        Assert.Equal(PodPhases.Pending, h.Status(pod).Phase);
        var initialized = h.Condition(pod, PodConditions.Initialized);
        Assert.Equal("False", initialized?.Status);
        Assert.Equal(PodConditions.ContainersNotInitialized, initialized?.Reason);
        Assert.Equal("containers with incomplete status: [a b]", initialized?.Message);

        await h.AdvanceAsync(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
        await h.ExitAsync(pod, "a", 0);

        Assert.Equal(["a", "b", "c"], h.Started());
        Assert.Equal("True", h.Condition(pod, PodConditions.Initialized)?.Status);
        Assert.Equal(PodPhases.Running, h.Status(pod).Phase);
        Assert.Equal(["Created container: a", "Created container: b", "Created container: c"], h.EventsWithReason(EventReasons.Created).Select(e => e.Message));
        Assert.Equal(["Started container a", "Started container b", "Started container c"], h.EventsWithReason(EventReasons.Started).Select(e => e.Message));
        Assert.Equal("spec.initContainers{a}", h.EventsWithReason(EventReasons.Started)[0].InvolvedObject.FieldPath);
    }

    private static string Cl03Pod(string policy) => $$"""
        metadata: {name: cl03}
        spec:
          restartPolicy: {{policy}}
          initContainers:
          - {name: a, command: ["sh", "-c", "exit 1"]}
          containers:
          - {name: c, command: ["sleep", "10000"]}
        """;

    [Fact]
    public async Task CL_03_InitFailureUnderNeverFailsThePod()
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("a", _ => FakeBehavior.ExitWith(1));
        var pod = await h.RunAsync(Cl03Pod("Never"));

        Assert.Equal(PodPhases.Failed, h.Status(pod).Phase);
        Assert.Equal(1, h.Container(pod, "a").State.Terminated?.ExitCode);
        Assert.Equal(ContainerReasons.PodInitializing, h.Container(pod, "c").State.Waiting?.Reason);
        Assert.Equal(0, h.Runtime.StartCount("c"));
        Assert.Equal(1, h.Runtime.StartCount("a"));
    }

    [Theory]
    [InlineData("OnFailure")]
    [InlineData("Always")]
    public async Task CL_03_InitFailureUnderARestartingPolicyIsRetriedWithBackoff(string policy)
    {
        await using var h = new ScenarioHarness();
        h.Runtime.Script("a", _ => FakeBehavior.ExitWith(1));
        var pod = await h.RunAsync(Cl03Pod(policy));

        Assert.Equal(2, h.Runtime.StartCount("a"));
        Assert.Equal(ContainerReasons.CrashLoopBackOff, h.Container(pod, "a").State.Waiting?.Reason);
        await h.AdvanceAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, h.Runtime.StartCount("a"));
        Assert.Equal(0, h.Runtime.StartCount("c"));
        Assert.All(h.History(pod), s => Assert.Equal(PodPhases.Pending, s.Phase));
    }

    [Fact]
    public async Task CL_05_SidecarsStopInReverseOrderAfterTheMainContainerExits()
    {
        await using var h = new ScenarioHarness();
        foreach (var name in new[] { "restartable-init-1", "restartable-init-2", "restartable-init-3" })
        {
            h.Runtime.Script(name, _ => new FakeBehavior(SigtermDelay: TimeSpan.FromSeconds(5)));
        }

        var pod = await h.RunAsync("""
            metadata: {name: cl05}
            spec:
              restartPolicy: Never
              initContainers:
              - {name: restartable-init-1, command: ["sleep", "60"], restartPolicy: Always}
              - {name: restartable-init-2, command: ["sleep", "60"], restartPolicy: Always}
              - {name: restartable-init-3, command: ["sleep", "60"], restartPolicy: Always}
              containers:
              - {name: regular-1, command: ["sh", "-c", "sleep 5; exit 0"]}
            """);
        Assert.Equal(["restartable-init-1", "restartable-init-2", "restartable-init-3", "regular-1"], h.Started());
        await h.AdvanceAsync(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));

        // Each sidecar takes 5 s to stop; the next one gets its stop signal only then, with the grace that is left.
        h.Runtime.Exit(pod.Metadata.Uid, "regular-1", 0);
        (string Name, int Grace)[] stops = [("restartable-init-3", 30), ("restartable-init-2", 25), ("restartable-init-1", 20)];
        for (var i = 0; i < stops.Length; i++)
        {
            await h.WaitForCallAsync($"Stop {stops[i].Name} {stops[i].Grace}s");
            if (i + 1 < stops.Length)
            {
                Assert.DoesNotContain(h.Runtime.Calls, c => c.StartsWith($"Stop {stops[i + 1].Name} ", StringComparison.Ordinal));
            }

            h.Time.Advance(TimeSpan.FromSeconds(5));
        }

        await h.SettleAsync();
        Assert.Equal(
            ["Exited regular-1 0", "Exited restartable-init-3 143", "Exited restartable-init-2 143", "Exited restartable-init-1 143"],
            h.Runtime.Calls.Where(c => c.StartsWith("Exited ", StringComparison.Ordinal)));
        Assert.Equal(PodPhases.Succeeded, h.Status(pod).Phase);
    }

    [Fact]
    public async Task CL_05_DeletionStopsRegularContainersFirstThenSidecarsInReverseOrder()
    {
        await using var h = new ScenarioHarness();
        var pod = await h.RunAsync("""
            metadata: {name: cl05}
            spec:
              initContainers:
              - {name: restartable-init-1, command: ["sleep", "60"], restartPolicy: Always}
              - {name: restartable-init-2, command: ["sleep", "60"], restartPolicy: Always}
              containers:
              - {name: regular-1, command: ["sleep", "60"]}
              - {name: regular-2, command: ["sleep", "60"]}
            """);
        var mark = h.Runtime.Calls.Count;

        await h.DeleteAsync(pod, 20);

        var exits = h.CallsSince(mark).Where(c => c.StartsWith("Exited ", StringComparison.Ordinal)).Select(c => c.Split(' ')[1]).ToList();
        Assert.Equal(["regular-1", "regular-2"], exits.Take(2).Order());
        Assert.Equal(["restartable-init-2", "restartable-init-1"], exits.Skip(2));
        Assert.Equal(4, h.EventsWithReason(EventReasons.Killing).Count(e => e.Message == $"Stopping container {e.InvolvedObject.FieldPath.Split('{')[1].TrimEnd('}')}"));
        Assert.Contains("Stop regular-1 20s", h.Runtime.Calls);
        Assert.True(h.Sink.IsTerminated(pod.Metadata.Uid));
        Assert.Equal(PodPhases.Failed, h.Sink.PhaseWhenTerminated(pod.Metadata.Uid));
    }
}
