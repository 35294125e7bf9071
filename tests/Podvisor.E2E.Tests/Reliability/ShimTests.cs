using System.Globalization;
using k8s;
using k8s.Models;
using Podvisor.E2E.Tests.Serve;
using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Reliability;

/// <summary>
/// Containers outlive <c>podvisor serve</c> (docs/contracts.md §3): their shim keeps their output flowing and their exit
/// status while no serve runs, the next serve adopts them, and no SIGKILL at any point of a restart-all cycle ever
/// leaves two instances of one container.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class ShimTests
{
    private const string Pod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: outlive}
        spec:
          restartPolicy: Never
          containers:
          - name: talker
            image: busybox
            command: [sh, -c, "while [ ! -f /gate/more ]; do echo tick; sleep 0.05; done; echo after-the-kill; exec sleep 3600"]
            volumeMounts: [{name: gate, mountPath: /gate}]
          - name: quitter
            image: busybox
            command: [sh, -c, "while [ ! -f /gate/quit ]; do sleep 0.05; done; exit 3"]
            volumeMounts: [{name: gate, mountPath: /gate}]
          volumes:
          - {name: gate, hostPath: {path: GATE} }
        """;

    [RootFact]
    public async Task ContainersKeepRunningAndLoggingWithoutServeAndAnExitMeanwhileIsReportedWithItsCode()
    {
        await using var h = await ServeHarness.StartAsync();
        await h.Client.CoreV1.CreateNamespacedPodAsync(Manifests.Pod(h, Pod), "default");
        V1Pod before;
        using (var watch = await h.WatchPodAsync("outlive"))
        {
            before = await watch.WaitAsync(p => p.Status?.ContainerStatuses is { Count: 2 } s && s.All(c => c.State.Running is not null), "both containers running");
        }

        var quitter = RuntimeRecords.Containers(h.DataDir).Single(c => c.Name == "quitter");
        await h.KillServeAsync();

        // With no serve: the talker's output still has a reader (it would die of SIGPIPE otherwise) and the quitter's
        // exit is reaped by the shim.
        h.OpenGate("more");
        var killedAt = DateTime.UtcNow;
        h.OpenGate("quit");
        Assert.True(await Native.WaitForExitAsync(quitter.Pid, TimeSpan.FromSeconds(30)), "the quitter did not exit");
        var exitedBy = DateTime.UtcNow;
        await h.StartServeAgainAsync();

        V1Pod after;
        using (var watch = await h.WatchPodAsync("outlive"))
        {
            after = await watch.WaitAsync(p => Status(p, "quitter")?.State.Terminated is not null, "the quitter reported terminated");
        }

        var talker = Status(after, "talker")!;
        Assert.Equal(Status(before, "talker")!.ContainerID, talker.ContainerID);
        Assert.NotNull(talker.State.Running);
        Assert.Equal(0, talker.RestartCount);
        var quit = Status(after, "quitter")!.State.Terminated;
        Assert.Equal((3, "Error"), (quit.ExitCode, quit.Reason));
        Assert.Equal(Status(before, "quitter")!.ContainerID, quit.ContainerID);
        Assert.InRange(quit.FinishedAt!.Value, killedAt.AddSeconds(-1), exitedBy.AddSeconds(1)); // RFC 3339 seconds
        var logs = await h.Client.CoreV1.ReadNamespacedPodLogAsync("outlive", "default", container: "talker");
        using var reader = new StreamReader(logs);
        Assert.Contains("after-the-kill", await reader.ReadToEndAsync());
        await h.StopAsync();
    }

    /// <summary>
    /// The source container exits 42 about every 0.3 s and its rule restarts every container, so restart-all cycles run
    /// back to back; serve is SIGKILLed at random moments of them. Each container carries its name in its environment;
    /// at each kill and after each restart at most one process group per container name may exist.
    /// </summary>
    [RootFact]
    public async Task SIGKILL_AtRandomPointsOfRestartAllCyclesNeverLeavesTwoInstancesOfAContainer()
    {
        const int Rounds = 8;
        var seed = Environment.TickCount;
        var random = new Random(seed);
        await using var h = await ServeHarness.StartAsync();
        await h.Client.CoreV1.CreateNamespacedPodAsync(KubernetesYaml.Deserialize<V1Pod>(CyclingPod), "default");
        using (var watch = await h.WatchPodAsync("cycling"))
        {
            await watch.WaitAsync(AllRunning, "all containers running");
        }

        for (var round = 1; round <= Rounds; round++)
        {
            await Task.Delay(random.Next(0, 600)); // where in the cycle the kill lands: the point of the test, not a wait
            await h.KillServeAsync();
            AssertAtMostOneInstanceEach($"seed {seed}, round {round}, after the kill");
            await h.StartServeAgainAsync();
            using var watch = await h.WatchPodAsync("cycling");
            await watch.WaitAsync(AllRunning, $"all containers running again (seed {seed}, round {round})");
            AssertAtMostOneInstanceEach($"seed {seed}, round {round}, after the restart");
        }

        await h.StopAsync();
    }

    private const string CyclingPod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: cycling}
        spec:
          restartPolicy: Never
          terminationGracePeriodSeconds: 1
          initContainers:
          - {name: init, image: busybox, command: [sh, -c, "exit 0"], env: [{name: SHIM_TEST_CONTAINER, value: init}]}
          - {name: sidecar, image: busybox, restartPolicy: Always, command: [sleep, "3600"], env: [{name: SHIM_TEST_CONTAINER, value: sidecar}]}
          containers:
          - name: source
            image: busybox
            command: [sh, -c, "sleep 0.3; exit 42"]
            env: [{name: SHIM_TEST_CONTAINER, value: source}]
            restartPolicy: Never
            restartPolicyRules:
            - action: RestartAllContainers
              exitCodes: {operator: In, values: [42]}
          - {name: worker, image: busybox, command: [sleep, "3600"], env: [{name: SHIM_TEST_CONTAINER, value: worker}]}
        """;

    private static bool AllRunning(V1Pod p) =>
        p.Status?.ContainerStatuses is { Count: 2 } statuses && statuses.All(s => s.State.Running is not null)
        && p.Status.InitContainerStatuses?.SingleOrDefault(s => s.Name == "sidecar")?.State.Running is not null;

    private static V1ContainerStatus? Status(V1Pod pod, string name) => pod.Status?.ContainerStatuses?.SingleOrDefault(s => s.Name == name);

    /// <summary>Process group leaders (each container is one) whose environment names a container of the test pod.</summary>
    private static void AssertAtMostOneInstanceEach(string when)
    {
        var leaders = new Dictionary<string, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid) || !HostProcess.IsGroupLeader(pid))
            {
                continue;
            }

            string environ;
            try
            {
                environ = File.ReadAllText(Path.Combine(dir, "environ"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // exited meanwhile
            }

            foreach (var entry in environ.Split('\0'))
            {
                if (entry.StartsWith("SHIM_TEST_CONTAINER=", StringComparison.Ordinal))
                {
                    var name = entry["SHIM_TEST_CONTAINER=".Length..];
                    (leaders.TryGetValue(name, out var pids) ? pids : leaders[name] = []).Add(pid);
                }
            }
        }

        Assert.All(leaders, l => Assert.True(l.Value.Count == 1, $"{when}: {l.Value.Count} instances of {l.Key} (pids {string.Join(", ", l.Value)})"));
    }
}
