using k8s.Models;
using Podvisor.Api.Printing;

namespace Podvisor.Api.Tests.Printing;

/// <summary>PodPrinter against printPod's rules (pkg/printers/internalversion/printers.go), table-driven.</summary>
public sealed class PodPrinterTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, V1Pod, string, string, string> Cases => new()
    {
        { "pending without statuses", Pod(phase: "Pending"), "0/1", "Pending", "0" },
        { "running and ready", Pod(containers: [Running("a", ready: true)]), "1/1", "Running", "0" },
        { "running not ready", Pod(containers: [Running("a", ready: false)]), "0/1", "Running", "0" },
        { "creating", Pod(phase: "Pending", containers: [Waiting("a", "ContainerCreating")]), "0/1", "ContainerCreating", "0" },
        { "crash loop with restart time", Pod(containers: [Waiting("a", "CrashLoopBackOff", restarts: 3, finishedAgo: 30)]), "0/1", "CrashLoopBackOff", "3 (30s ago)" },
        { "restart-all waiting reason without finishedAt", Pod(containers: [Waiting("a", "RestartingAllContainers", restarts: 2)]), "0/1", "RestartingAllContainers", "2" },
        { "completed", Pod(phase: "Succeeded", containers: [Terminated("a", "Completed", 0)]), "0/1", "Completed", "0" },
        { "error", Pod(phase: "Failed", containers: [Terminated("a", "Error", 1)]), "0/1", "Error", "0" },
        { "signal without reason", Pod(phase: "Failed", containers: [Terminated("a", "", 137, signal: 9)]), "0/1", "Signal:9", "0" },
        { "exit code without reason", Pod(phase: "Failed", containers: [Terminated("a", "", 2)]), "0/1", "ExitCode:2", "0" },
        { "last container wins (walked backwards)", Pod(containers: [Waiting("a", "CrashLoopBackOff"), Running("b", true)]), "1/2", "CrashLoopBackOff", "0" },
        { "completed with a running container and Ready", Pod(containers: [Running("a", true), Terminated("b", "Completed", 0)], conditions: ["Ready"]), "1/2", "Running", "0" },
        { "completed with a running container not Ready", Pod(containers: [Running("a", true), Terminated("b", "Completed", 0)]), "1/2", "NotReady", "0" },
        { "init 0/2 waiting PodInitializing", Pod(phase: "Pending", init: [Spec("i1"), Spec("i2")], initStatuses: [Waiting("i1", "PodInitializing")]), "0/1", "Init:0/2", "0" },
        { "init 1/2", Pod(phase: "Pending", init: [Spec("i1"), Spec("i2")], initStatuses: [Terminated("i1", "Completed", 0), Running("i2", false)]), "0/1", "Init:1/2", "0" },
        { "init error", Pod(phase: "Pending", init: [Spec("i1")], initStatuses: [Terminated("i1", "Error", 1)]), "0/1", "Init:Error", "0" },
        { "init exit code", Pod(phase: "Pending", init: [Spec("i1")], initStatuses: [Terminated("i1", "", 3)]), "0/1", "Init:ExitCode:3", "0" },
        { "init signal", Pod(phase: "Pending", init: [Spec("i1")], initStatuses: [Terminated("i1", "", 137, signal: 9)]), "0/1", "Init:Signal:9", "0" },
        { "init crash loop counts init restarts", Pod(phase: "Pending", init: [Spec("i1")], initStatuses: [Waiting("i1", "CrashLoopBackOff", restarts: 4, finishedAgo: 65)]), "0/1", "Init:CrashLoopBackOff", "4 (65s ago)" },
        { "init done, containers initializing", Pod(phase: "Pending", init: [Spec("i1")], initStatuses: [Terminated("i1", "Completed", 0)], containers: [Waiting("a", "PodInitializing")]), "0/1", "PodInitializing", "0" },
        { "sidecar started and ready counts", Pod(init: [Spec("s", sidecar: true)], initStatuses: [Running("s", true)], containers: [Running("a", true)]), "2/2", "Running", "0" },
        { "sidecar started not ready", Pod(init: [Spec("s", sidecar: true)], initStatuses: [Running("s", false)], containers: [Running("a", true)]), "1/2", "Running", "0" },
        { "sidecar not started blocks init", Pod(phase: "Pending", init: [Spec("s", sidecar: true)], initStatuses: [Running("s", false, started: false)]), "0/2", "Init:0/1", "0" },
        { "after init only sidecar restarts count", Pod(init: [Spec("i1"), Spec("s", sidecar: true)], initStatuses: [Terminated("i1", "Completed", 0, restarts: 5), Running("s", true, restarts: 1, finishedAgo: 600)], containers: [Running("a", true, restarts: 2, finishedAgo: 120)]), "2/2", "Running", "3 (2m ago)" },
        { "initializing with Initialized=True shows containers", Pod(init: [Spec("i1")], initStatuses: [Waiting("i1", "RestartingAllContainers", restarts: 1)], containers: [Waiting("a", "RestartingAllContainers", restarts: 1)], conditions: ["Initialized"]), "0/1", "RestartingAllContainers", "1" },
        { "terminating", Pod(containers: [Running("a", true)], deleting: true), "1/1", "Terminating", "0" },
        { "terminal pod being deleted keeps its status", Pod(phase: "Succeeded", containers: [Terminated("a", "Completed", 0)], deleting: true), "0/1", "Completed", "0" },
        { "node lost", Pod(reason: "NodeLost", containers: [Running("a", true)], deleting: true), "1/1", "Unknown", "0" },
        { "evicted", Pod(phase: "Failed", reason: "Evicted"), "0/1", "Evicted", "0" },
        { "scheduling gated", Pod(phase: "Pending", gated: true), "0/1", "SchedulingGated", "0" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReadyStatusAndRestartsFollowPrintPod(string name, V1Pod pod, string ready, string status, string restarts)
    {
        var cells = PodPrinter.Print(pod, Now).Cells;
        Assert.True((ready, status, restarts) == ((string)cells[1], (string)cells[2], (string)cells[3]), $"{name}: got {cells[1]} {cells[2]} {cells[3]}");
    }

    [Fact]
    public void WideColumnsAndAge()
    {
        var pod = Pod(containers: [Running("a", true)], conditions: ["gate-a"]);
        pod.Spec.NodeName = "node1";
        pod.Spec.ReadinessGates = [new V1PodReadinessGate { ConditionType = "gate-a" }, new V1PodReadinessGate { ConditionType = "gate-b" }];
        pod.Status.PodIPs = [new V1PodIP { Ip = "10.0.0.9" }];
        var cells = PodPrinter.Print(pod, Now).Cells;
        Assert.Equal(["p", "1/1", "Running", "0", "34h", "10.0.0.9", "node1", "<none>", "1/2"], cells.Select(c => (string)c));
        Assert.Equal(["<none>", "<none>", "<none>", "<none>"], PodPrinter.Print(Pod(phase: "Pending"), Now).Cells.Skip(5).Select(c => (string)c));
    }

    [Fact]
    public void TerminalPhasesGetRowConditions()
    {
        Assert.Equal("Succeeded", PodPrinter.Print(Pod(phase: "Succeeded"), Now).Conditions.Single().Reason);
        Assert.Equal("Failed", PodPrinter.Print(Pod(phase: "Failed"), Now).Conditions.Single().Reason);
        Assert.Empty(PodPrinter.Print(Pod(), Now).Conditions);
    }

    /// <summary>Properties over a grid of pods: READY's denominator and the Terminating override.</summary>
    [Theory]
    [MemberData(nameof(Grid))]
    public void ReadyCountsRegularContainersPlusSidecarsAndDeletionMeansTerminating(int regular, int sidecars, int plainInit, string phase, bool deleting)
    {
        var init = Enumerable.Range(0, sidecars).Select(i => Spec("s" + i, sidecar: true)).Concat(Enumerable.Range(0, plainInit).Select(i => Spec("i" + i))).ToList();
        var pod = Pod(phase: phase, init: init, containers: Enumerable.Range(0, regular).Select(i => Running("c" + i, true)).ToList(), deleting: deleting);
        var cells = PodPrinter.Print(pod, Now).Cells;
        Assert.EndsWith("/" + (regular + sidecars), (string)cells[1]);
        if (deleting && phase is not ("Succeeded" or "Failed"))
        {
            Assert.Equal("Terminating", cells[2]);
        }
    }

    public static TheoryData<int, int, int, string, bool> Grid()
    {
        var data = new TheoryData<int, int, int, string, bool>();
        foreach (var regular in new[] { 1, 2, 3 })
        {
            foreach (var sidecars in new[] { 0, 1, 2 })
            {
                foreach (var plain in new[] { 0, 1, 2 })
                {
                    foreach (var phase in new[] { "Pending", "Running", "Succeeded", "Failed" })
                    {
                        data.Add(regular, sidecars, plain, phase, true);
                        data.Add(regular, sidecars, plain, phase, false);
                    }
                }
            }
        }

        return data;
    }

    private static V1Pod Pod(
        string phase = "Running",
        string? reason = null,
        IList<V1Container>? init = null,
        IList<V1ContainerStatus>? initStatuses = null,
        IList<V1ContainerStatus>? containers = null,
        string[]? conditions = null,
        bool deleting = false,
        bool gated = false)
    {
        var specContainers = containers?.Select(c => Spec(c.Name)).ToList() ?? [Spec("a")];
        var podConditions = (conditions ?? []).Select(c => new V1PodCondition { Status = "True", Type = c }).ToList();
        if (gated)
        {
            podConditions.Add(new V1PodCondition { Status = "False", Type = "PodScheduled", Reason = "SchedulingGated" });
        }

        return new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p", CreationTimestamp = Now.UtcDateTime.AddHours(-34), DeletionTimestamp = deleting ? Now.UtcDateTime : null },
            Spec = new V1PodSpec { Containers = specContainers, InitContainers = init },
            Status = new V1PodStatus { Phase = phase, Reason = reason, InitContainerStatuses = initStatuses, ContainerStatuses = containers, Conditions = podConditions },
        };
    }

    private static V1Container Spec(string name, bool sidecar = false) => new() { Name = name, RestartPolicy = sidecar ? "Always" : null };

    private static V1ContainerStatus Running(string name, bool ready, bool started = true, int restarts = 0, int? finishedAgo = null) =>
        Status(name, new V1ContainerState { Running = new V1ContainerStateRunning() }, ready, restarts, finishedAgo, started);

    private static V1ContainerStatus Waiting(string name, string reason, int restarts = 0, int? finishedAgo = null) =>
        Status(name, new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = reason } }, false, restarts, finishedAgo, started: false);

    private static V1ContainerStatus Terminated(string name, string reason, int exitCode, int? signal = null, int restarts = 0) =>
        Status(name, new V1ContainerState { Terminated = new V1ContainerStateTerminated { Reason = reason, ExitCode = exitCode, Signal = signal } }, false, restarts, null, started: false);

    private static V1ContainerStatus Status(string name, V1ContainerState state, bool ready, int restarts, int? finishedAgo, bool started) => new()
    {
        Name = name,
        Image = "i",
        ImageID = "",
        Ready = ready,
        Started = started,
        RestartCount = restarts,
        State = state,
        LastState = restarts > 0
            ? new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 1, FinishedAt = finishedAgo is { } ago ? Now.UtcDateTime.AddSeconds(-ago) : null } }
            : null,
    };
}
