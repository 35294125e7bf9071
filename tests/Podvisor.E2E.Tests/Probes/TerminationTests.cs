using k8s.Models;
using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Probes;

/// <summary>Graceful termination with preStop hooks: order, the grace period, sidecars last and in reverse order.</summary>
public sealed class TerminationTests : ProbeTest
{
    /// <summary>Three sidecars (each started only once its TERM trap is set), a main container, one emptyDir.</summary>
    private static string SidecarPod(string name, string extraSpec, string sidecarCommand, string preStop, string mainCommand)
    {
        var sidecars = string.Concat(Enumerable.Range(1, 3).Select(n => $$"""
              - name: sc{{n}}
                image: busybox
                restartPolicy: Always
                command: [sh, -c, "{{sidecarCommand.Replace("NAME", $"sc{n}", StringComparison.Ordinal)}}"]
                startupProbe:
                  exec: {command: [test, -f, /shared/up-sc{{n}}]}
                  periodSeconds: 1
                  timeoutSeconds: 5
                lifecycle:
                  preStop:
                    exec: {command: [sh, -c, "{{preStop.Replace("NAME", $"sc{n}", StringComparison.Ordinal)}}"]}
                volumeMounts: [{name: shared, mountPath: /shared}]

            """));
        return $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: {{name}}}
            spec:
              restartPolicy: Never
            {{extraSpec}}
              initContainers:
            {{sidecars}}
              containers:
              - name: main
                image: busybox
                command: [sh, -c, "{{mainCommand}}"]
                volumeMounts: [{name: shared, mountPath: /shared}]
              volumes:
              - name: shared
                emptyDir: {}
            """;
    }

    /// <summary>
    /// CL-13: on deletion, Killing "Stopping container c", the preStop hook runs to completion before SIGTERM (the
    /// order comes from the hook's and the trap's own writes), and the pod reaches a terminal phase before removal.
    /// </summary>
    [RootFact]
    public async Task CL_13_GracefulDeletion_PreStopBeforeSigterm_TerminalBeforeRemoval()
    {
        var pod = await RunPodAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: cl-13}
            spec:
              terminationGracePeriodSeconds: 10
              containers:
              - name: c
                image: busybox
                command: [sh, -c, "trap 'echo sigterm >> {rec}/order; exit 0' TERM; touch {rec}/trapping; while true; do sleep 1; done"]
                readinessProbe:
                  exec: {command: [test, -f, "{rec}/trapping"]}
                  periodSeconds: 1
                  timeoutSeconds: 5
                lifecycle:
                  preStop:
                    exec: {command: [sh, -c, "echo prestop-start >> {rec}/order; sleep 2; echo prestop-end >> {rec}/order"]}
            """);

        await StatusAsync(pod, "c ready (trap set)", s => s.IsReady("c"));
        await pod.DeleteAsync();

        await EventAsync(pod, "c", "Killing", "Stopping container c");
        Assert.Equal("prestop-start\nprestop-end\nsigterm\n", ReadRec("order"));
        Assert.Equal("Succeeded", pod.Status.Phase);
        var final = pod.Status;
        Assert.Equal((0, "Completed"), (final.Container("c").State.Terminated.ExitCode, final.Container("c").State.Terminated.Reason));
        Assert.DoesNotContain(pod.Events, e => e.Reason == "FailedPreStopHook");
    }

    /// <summary>A crash-looping container of a deleted pod ends terminated (its last exit), not waiting in CrashLoopBackOff.</summary>
    [RootFact]
    public async Task Deletion_DuringCrashLoopBackOff_FinalStatusShowsTheLastExit()
    {
        var pod = await RunPodAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: delete-crashloop}
            spec:
              containers:
              - name: c
                image: busybox
                command: [sh, -c, "exit 3"]
            """);

        await StatusAsync(pod, "c in CrashLoopBackOff", s => s.Of("c")?.State?.Waiting?.Reason == "CrashLoopBackOff");
        await pod.DeleteAsync();
        var c = pod.Status.Container("c");
        Assert.True(c.State.Terminated is { ExitCode: 3, Reason: "Error" }, Describe());
        Assert.Equal("Failed", pod.Status.Phase);
    }

    /// <summary>httpGet preStop reaches the server in the pod (through the pod IP) before the stop signal; a sleep preStop completes.</summary>
    [RootFact]
    public async Task PreStopHttpGetAndSleep_RunBeforeTheStopSignal()
    {
        await StartAsync();
        WriteScript("server.py", PodScripts.HttpServer);
        var pod = Run("""
            apiVersion: v1
            kind: Pod
            metadata: {name: prestop-http}
            spec:
              terminationGracePeriodSeconds: 10
              containers:
              - name: web
                image: python
                command: [python3, "{rec}/server.py", "8080", "{rec}"]
                readinessProbe:
                  tcpSocket: {port: 8080}
                  periodSeconds: 1
                  timeoutSeconds: 5
                lifecycle:
                  preStop:
                    httpGet: {path: /hook/prestop, port: 8080}
              - name: sleeper
                image: busybox
                command: [sh, -c, "trap 'echo sleeper sigterm >> {rec}/sleeper; exit 0' TERM; touch {rec}/trapping; while true; do sleep 1; done"]
                readinessProbe:
                  exec: {command: [test, -f, "{rec}/trapping"]}
                  periodSeconds: 1
                  timeoutSeconds: 5
                lifecycle:
                  preStop:
                    sleep: {seconds: 1}
            """);

        await StatusAsync(pod, "Ready=True", s => s.ConditionIs("Ready", "True"));
        await pod.DeleteAsync();

        Assert.Equal("hook prestop\n", ReadRec("order"));
        Assert.Equal("sleeper sigterm\n", ReadRec("sleeper"));
        Assert.DoesNotContain(pod.Events, e => e.Reason == "FailedPreStopHook");
        var final = pod.Status;
        Assert.Equal(143, final.Container("web").State.Terminated.ExitCode); // the server has no SIGTERM handler
        Assert.Equal(0, final.Container("sleeper").State.Terminated.ExitCode);
    }

    /// <summary>
    /// CL-06: when the main container is done, the three sidecars' 1 s preStop hooks run together (every hook started
    /// before any ended, from the times the hooks wrote), and the sidecars still stop in the order 3, 2, 1.
    /// </summary>
    [RootFact]
    public async Task CL_06_SidecarPreStopHooksRunTogether_SidecarsStopInReverseOrder()
    {
        var pod = await RunPodAsync(SidecarPod("cl-06", "",
            sidecarCommand: "trap 'echo NAME >> /shared/order; exit 0' TERM; touch /shared/up-NAME; while true; do sleep 1; done",
            preStop: "date +%s%N > /shared/hook-start-NAME; sleep 1; date +%s%N > /shared/hook-end-NAME",
            mainCommand: "echo main >> /shared/order"));

        var files = await EmptyDirAtTerminalAsync(pod, "shared");
        Assert.Equal("main\nsc3\nsc2\nsc1\n", files["order"]);
        var hooks = Enumerable.Range(1, 3).Select(n => (Start: Nanos(files[$"hook-start-sc{n}"]), End: Nanos(files[$"hook-end-sc{n}"]))).ToList();
        Assert.All(hooks, a => Assert.All(hooks, b => Assert.True(a.Start < b.End, $"a hook ended before another started: {string.Join(", ", hooks)}")));
        Assert.Equal("Succeeded", pod.Status.Phase);
    }

    /// <summary>
    /// CL-07: preStop hooks that never return are cut at the grace period (3 s): each hook process was killed, and
    /// each sidecar, which ignores SIGTERM, then got SIGKILL (exit 137).
    /// </summary>
    [RootFact]
    public async Task CL_07_NeverEndingPreStopIsCutAtTheGracePeriod_ThenSigkill()
    {
        var pod = await RunPodAsync(SidecarPod("cl-07", "  terminationGracePeriodSeconds: 3",
            sidecarCommand: "trap '' TERM; touch /shared/up-NAME; while true; do sleep 1; done",
            preStop: "echo $$ > {rec}/hook-NAME; while true; do sleep 1; done",
            mainCommand: "true"));

        var final = await TerminalAsync(pod);
        Assert.Equal("Succeeded", final.Phase);
        foreach (var n in Enumerable.Range(1, 3))
        {
            var sidecar = final.Container($"sc{n}");
            Assert.Equal((137, "Error"), (sidecar.State.Terminated.ExitCode, sidecar.State.Terminated.Reason));
            var hookPid = int.Parse(ReadRec($"hook-sc{n}").Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.False(IsHookRunning(hookPid), $"preStop hook of sc{n} (pid {hookPid}) still runs");
        }
    }

    private static long Nanos(string text) => long.Parse(text.Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Whether the process exists and is still the hook shell (not a reused pid).</summary>
    private static bool IsHookRunning(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains("hook-sc", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
