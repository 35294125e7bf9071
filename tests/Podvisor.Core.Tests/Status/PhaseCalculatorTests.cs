using k8s.Models;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Core.Status;
using Podvisor.Core.Tests.Support;
using static Podvisor.Core.Tests.Support.StatusPods;

namespace Podvisor.Core.Tests.Status;

public class PhaseCalculatorTests
{
    private static V1ContainerStatus Running(string name, bool started = true) =>
        new() { Name = name, Started = started, State = new V1ContainerState { Running = new V1ContainerStateRunning() } };

    private static V1ContainerStatus Exited(string name, int code, string reason = "Error") =>
        new() { Name = name, State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = code, Reason = reason } } };

    private static V1ContainerStatus Waiting(string name, int? lastExit = null, string lastReason = "Error") => new()
    {
        Name = name,
        State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "CrashLoopBackOff" } },
        LastState = lastExit is { } code
            ? new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = code, Reason = lastReason } }
            : new V1ContainerState(),
    };

    private static string Phase(V1Pod pod, bool terminal = false, bool initialized = true, FeatureGates? gates = null, params V1ContainerStatus[] statuses) =>
        PhaseCalculator.GetPhase(pod, statuses, terminal, initialized, gates ?? FeatureGates.Default);

    public static TheoryData<string, string, string> Cl10Table() => new()
    {
        { "Never", "a=0 b=0", PodPhases.Succeeded },
        { "Never", "a=0 b=1", PodPhases.Failed },
        { "OnFailure", "a=0 b=1", PodPhases.Running },
        { "OnFailure", "a=0 b=0", PodPhases.Succeeded },
        { "Always", "a=0 b=0", PodPhases.Running },
        { "Always", "a=1 b=1", PodPhases.Running },
        { "Never", "a=run b=wait", PodPhases.Pending },
        { "OnFailure", "a=run b=wait", PodPhases.Pending },
        { "Always", "a=run b=wait", PodPhases.Pending },
        { "Never", "a=run b=none", PodPhases.Pending },
        { "OnFailure", "a=run b=none", PodPhases.Pending },
        { "Always", "a=run b=none", PodPhases.Pending },
        { "Never", "a=run b=run", PodPhases.Running },
        { "Never", "a=run b=1", PodPhases.Running },
        { "Never", "a=wait b=wait", PodPhases.Pending },
        { "Always", "a=crash b=run", PodPhases.Running },
        { "Never", "a=none b=none", PodPhases.Pending },
    };

    [Theory]
    [MemberData(nameof(Cl10Table))]
    public void CL_10_PhaseTable(string policy, string states, string expected)
    {
        var pod = Pod(policy, [C("a"), C("b")]);
        var statuses = states.Split(' ').Select(ParseState).OfType<V1ContainerStatus>().ToArray();
        Assert.Equal(expected, Phase(pod, statuses: statuses));
    }

    private static V1ContainerStatus? ParseState(string s)
    {
        var (name, state) = (s[..1], s[2..]);
        return state switch
        {
            "run" => Running(name),
            "wait" => Waiting(name),
            "crash" => Waiting(name, lastExit: 1),
            "none" => null,
            _ => Exited(name, int.Parse(state, System.Globalization.CultureInfo.InvariantCulture)),
        };
    }

    public static IEnumerable<object?[]> SingleContainerMatrix()
    {
        string?[] containerPolicies = [null, "Always", "OnFailure", "Never"];
        V1ContainerRestartRule?[] rules = [null, RestartOn(42), RestartAllOn(42)];
        foreach (var podPolicy in new[] { "Always", "OnFailure", "Never" })
        {
            foreach (var containerPolicy in containerPolicies)
            {
                foreach (var rule in rules)
                {
                    foreach (var exit in new[] { 0, 1, 42 })
                    {
                        foreach (var restartAllGate in new[] { true, false })
                        {
                            foreach (var waiting in new[] { true, false })
                            {
                                yield return [podPolicy, containerPolicy, rule?.Action, exit, restartAllGate, waiting];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Every pod policy x container policy x rule x exit code x gate, terminated or waiting to restart: the phase is
    /// Running when the exit may restart (docs/lifecycle.md §4.2), else Succeeded for exit 0 (only when terminated) and Failed otherwise.
    /// </summary>
    [Theory]
    [MemberData(nameof(SingleContainerMatrix))]
    public void CR_02_CR_03_StoppedContainerPhaseFollowsRestartDecision(
        string podPolicy, string? containerPolicy, string? ruleAction, int exit, bool restartAllGate, bool waiting)
    {
        var rule = ruleAction switch { null => null, ContainerRestartRuleActions.Restart => RestartOn(42), _ => RestartAllOn(42) };
        var container = rule is null ? C("c", containerPolicy) : C("c", containerPolicy, rule);
        var pod = Pod(podPolicy, [container]);
        var gates = new FeatureGates(RestartAllContainersOnContainerExits: restartAllGate);
        var status = waiting ? Waiting("c", lastExit: exit) : Exited("c", exit);

        var restartable = RestartPolicy.Decide(pod.Spec, container, gates, exit).Restarts;
        var expected = restartable ? PodPhases.Running
            : exit == 0 && !waiting ? PodPhases.Succeeded
            : PodPhases.Failed;
        Assert.Equal(expected, Phase(pod, gates: gates, statuses: status));
    }

    [Theory]
    [InlineData(0, PodPhases.Succeeded)]
    [InlineData(1, PodPhases.Failed)]
    public void TerminalPodIgnoresRestartPolicy(int exit, string expected)
    {
        var pod = Pod("Always", [C("a")]);
        Assert.Equal(expected, Phase(pod, terminal: true, statuses: Exited("a", exit)));
    }

    [Fact]
    public void CR_02_RuleMismatchUnderNeverFails()
    {
        var pod = Pod("Never", [C("main-container", "Never", RestartOn(42))]);
        Assert.Equal(PodPhases.Failed, Phase(pod, statuses: Exited("main-container", 1)));
        Assert.Equal(PodPhases.Running, Phase(pod, statuses: Exited("main-container", 42)));
    }

    [Fact]
    public void CR_03_ContainerNeverOverridesPodAlways()
    {
        var pod = Pod("Always", [C("c", "Never")]);
        Assert.Equal(PodPhases.Failed, Phase(pod, statuses: Exited("c", 1)));
    }

    public static TheoryData<string, string?, int, string> InitFailureTable() => new()
    {
        { "Never", null, 1, PodPhases.Failed },
        { "OnFailure", null, 1, PodPhases.Pending },
        { "Always", null, 1, PodPhases.Pending },
        { "Never", "OnFailure", 1, PodPhases.Pending },
        { "Always", "Never", 1, PodPhases.Failed },
        { "Never", null, 0, PodPhases.Pending },
    };

    /// <summary>CL-03 / CR-09: a failed regular init container fails the pod only when it may not restart.</summary>
    [Theory]
    [MemberData(nameof(InitFailureTable))]
    public void CL_03_InitFailure(string podPolicy, string? initPolicy, int exit, string expected)
    {
        var pod = Pod(podPolicy, [C("c")], [C("a", initPolicy)]);
        var app = Waiting("c");
        Assert.Equal(expected, Phase(pod, initialized: false, statuses: [Exited("a", exit), app]));
        Assert.Equal(expected, Phase(pod, initialized: false, statuses: [Waiting("a", lastExit: exit), app]));
    }

    [Fact]
    public void CL_03_LegacyGateOffUsesPodPolicyOnly()
    {
        var gates = new FeatureGates(ContainerRestartRules: false, RestartAllContainersOnContainerExits: false);
        var never = Pod("Never", [C("c")], [C("a", "OnFailure")]);
        Assert.Equal(PodPhases.Failed, Phase(never, initialized: false, gates: gates, statuses: [Exited("a", 1), Waiting("c")]));
        var always = Pod("Always", [C("c")], [C("a", "Never")]);
        Assert.Equal(PodPhases.Pending, Phase(always, initialized: false, gates: gates, statuses: [Exited("a", 1), Waiting("c")]));
    }

    public static TheoryData<string, bool, string> LegacyStoppedTable() => new()
    {
        { "Always", true, PodPhases.Running },
        { "Always", false, PodPhases.Running },
        { "OnFailure", true, PodPhases.Succeeded },
        { "OnFailure", false, PodPhases.Running },
        { "Never", true, PodPhases.Succeeded },
        { "Never", false, PodPhases.Failed },
    };

    [Theory]
    [MemberData(nameof(LegacyStoppedTable))]
    public void LegacyGateOffStoppedPhase(string policy, bool succeeded, string expected)
    {
        var gates = new FeatureGates(ContainerRestartRules: false, RestartAllContainersOnContainerExits: false);
        var pod = Pod(policy, [C("a", "Always")]);
        Assert.Equal(expected, Phase(pod, gates: gates, statuses: Exited("a", succeeded ? 0 : 1)));
    }

    /// <summary>A sidecar that has not started holds the pod Pending only until the pod has initialized once.</summary>
    [Theory]
    [InlineData(true, true, PodPhases.Running)]
    [InlineData(false, true, PodPhases.Running)]
    [InlineData(false, false, PodPhases.Pending)]
    [InlineData(true, false, PodPhases.Pending)]
    public void SidecarNotStartedKeepsPodPendingUntilInitialized(bool started, bool initialized, string expected)
    {
        var pod = Pod("Always", [C("app")], [Sidecar("s")]);
        var app = initialized ? Running("app") : Waiting("app");
        Assert.Equal(expected, Phase(pod, initialized: initialized, statuses: [Running("s", started), app]));
    }

    [Fact]
    public void CL_09_TerminatedSidecarsDoNotCount()
    {
        var pod = Pod("Never", [C("main")], [Sidecar("s")]);
        Assert.Equal(PodPhases.Succeeded, Phase(pod, statuses: [Exited("s", 137), Exited("main", 0)]));
        Assert.Equal(PodPhases.Failed, Phase(pod, statuses: [Exited("s", 0), Exited("main", 1)]));
        Assert.Equal(PodPhases.Running, Phase(pod, statuses: [Running("s"), Exited("main", 0)]));
    }

    [Fact]
    public void D5_RestartingAllContainersTerminationIsRestartable()
    {
        var pod = Pod("Never", [C("trigger", "Never", RestartAllOn(3)), C("bystander")]);
        var removed = Waiting("bystander", 137, ContainerReasons.RestartingAllContainers);
        Assert.Equal(PodPhases.Running, Phase(pod, statuses: [removed, Waiting("trigger", 137, ContainerReasons.RestartingAllContainers)]));

        var gateOff = new FeatureGates(RestartAllContainersOnContainerExits: false);
        Assert.Equal(PodPhases.Failed, Phase(pod, gates: gateOff, statuses: [removed, Waiting("trigger", 137, ContainerReasons.RestartingAllContainers)]));
    }

    [Fact]
    public void RS_16_RegularInitWaitingAfterRestartAllIsNotAFailure()
    {
        var pod = Pod("Never", [C("app", "Never", RestartAllOn(42))], [C("init")]);
        var init = Waiting("init", 137, ContainerReasons.RestartingAllContainers);
        var app = Waiting("app", 137, ContainerReasons.RestartingAllContainers);
        Assert.Equal(PodPhases.Running, Phase(pod, initialized: false, statuses: [init, app]));
        Assert.Equal(PodPhases.Pending, Phase(pod, initialized: false, statuses: [Running("init"), app]));
    }

    [Fact]
    public void WaitingAfterSuccessCountsAsStoppedButNotSucceeded()
    {
        // Upstream quirk: a container waiting with lastState exit 0 counts as stopped but not as succeeded.
        var pod = Pod("Never", [C("a", "Never")]);
        Assert.Equal(PodPhases.Failed, Phase(pod, statuses: Waiting("a", lastExit: 0)));
    }

    [Fact]
    public void UnknownStateCountsAsUnknown()
    {
        var pod = Pod("Always", [C("a"), C("b")]);
        var empty = new V1ContainerStatus { Name = "b", State = new V1ContainerState() };
        Assert.Equal(PodPhases.Pending, Phase(pod, statuses: [Running("a"), empty]));
    }
}
