using Podvisor.E2E.Tests.Api;

namespace Podvisor.E2E.Tests.Serve;

/// <summary>
/// <c>kubectl get pods</c> columns and STATUS for real lifecycle states of real processes (Terminating is in
/// <see cref="DeleteTests"/>).
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class StatusColumnTests
{
    private const string Pods = """
        apiVersion: v1
        kind: Pod
        metadata: {name: init-wait}
        spec:
          initContainers:
          - name: init
            image: busybox
            command: [sh, -c, "while [ ! -f /gate/init ]; do sleep 0.1; done"]
            volumeMounts: [{name: gate, mountPath: /gate}]
          containers:
          - {name: main, image: busybox, command: [sleep, "3600"]}
          volumes: [{name: gate, hostPath: {path: GATE}}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: done}
        spec:
          restartPolicy: Never
          containers:
          - {name: main, image: busybox, command: [sh, -c, "exit 0"]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: failed}
        spec:
          restartPolicy: Never
          containers:
          - {name: main, image: busybox, command: [sh, -c, "exit 1"]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: crashloop}
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: busybox
            command: [sh, -c, "exit 3"]
            restartPolicy: Never
            restartPolicyRules:
            - action: Restart
              exitCodes: {operator: In, values: [3]}
        """;

    public static TheoryData<string> Versions => new(Kubectl.Versions);

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task GetPodsShowsInitPodInitializingRunningCompletedErrorAndCrashLoopBackOff(string version)
    {
        await using var h = await ServeHarness.StartAsync();
        var k = h.Kubectl(version);
        using var watch = k.Stream("get", "pods", "-w");
        await k.RunWithInputAsync(Manifests.WithGate(h, Pods), "apply", "-f", "-");

        var expected = new HashSet<(string, string)> { ("init-wait", "Init:0/1"), ("done", "Completed"), ("failed", "Error"), ("crashloop", "CrashLoopBackOff") };
        await watch.WaitForLineAsync(l => PodRow.Parse(l) is { } row && expected.Remove((row.Name, row.Status)) && expected.Count == 0, "each pod's STATUS");

        h.OpenGate("init");
        await watch.WaitForLineAsync(l => PodRow.Is(l, "init-wait", "PodInitializing"), "PodInitializing once the init container completed");
        await watch.WaitForLineAsync(l => PodRow.Parse(l) is { Name: "init-wait", Ready: "1/1", Status: "Running", Restarts: "0" }, "Running");

        var table = (await k.OkAsync("get", "pods")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$", table[0]);
        var rows = table.Skip(1).Select(PodRow.Parse).ToDictionary(r => r!.Name);
        Assert.Equal(["crashloop", "done", "failed", "init-wait"], rows.Keys);
        Assert.Equal(("0/1", "Completed", "0"), (rows["done"]!.Ready, rows["done"]!.Status, rows["done"]!.Restarts));
        Assert.Equal(("0/1", "Error", "0"), (rows["failed"]!.Ready, rows["failed"]!.Status, rows["failed"]!.Restarts));
        Assert.Equal(("1/1", "Running", "0"), (rows["init-wait"]!.Ready, rows["init-wait"]!.Status, rows["init-wait"]!.Restarts));
        Assert.Matches(@"^\d+ \(\d+s ago\)$", rows["crashloop"]!.Restarts);
        await h.StopAsync();
    }
}
