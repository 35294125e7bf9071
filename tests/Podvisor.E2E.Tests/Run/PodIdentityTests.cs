using Podvisor.Core.Model;
using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Run;

/// <summary>
/// docs/lifecycle.md §D8, §D11, §D13 with real processes: what an in-place RestartAllContainers keeps (pod IP, network namespace,
/// emptyDir content, the previous instance's log) and how it kills (in parallel).
/// </summary>
public sealed class PodIdentityTests : AgentTest
{
    [RootFact]
    public async Task D13_RestartAllKeepsThePodIpNetworkNamespaceAndEmptyDirContent()
    {
        var pod = await RunAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: identity}
            spec:
              restartPolicy: Never
              containers:
              - name: app
                image: busybox
                restartPolicy: Never
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
                command: ["/bin/sh", "-c", "ip -4 -o addr show dev eth0; readlink /proc/self/ns/net; if [ -f /data/token ]; then echo \"token $(cat /data/token) $(cat /memory/token)\"; exit 0; fi; head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n' | tee /memory/token > /data/token; echo \"token $(cat /data/token) $(cat /memory/token)\"; exit 42"]
                volumeMounts: [{name: data, mountPath: /data}, {name: memory, mountPath: /memory}]
              volumes: [{name: data, emptyDir: {}}, {name: memory, emptyDir: {medium: Memory, sizeLimit: 1Mi}}]
            """);
        var before = await pod.WaitForAsync(s => s.Of("app")?.State?.Terminated?.ExitCode == 42, "app exited 42");

        var after = await pod.WaitForPhaseAsync(PodPhases.Succeeded);

        Assert.NotNull(before.PodIP);
        Assert.Equal(before.PodIP, after.PodIP);
        var first = pod.Log("app", 0).Split('\n');
        var second = pod.Log("app", 1).Split('\n');
        Assert.Contains($"inet {before.PodIP}/16", first[0], StringComparison.Ordinal);
        Assert.Equal(first[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[3], second[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[3]);
        Assert.Equal(first[1], second[1]);
        Assert.Matches("^token ([0-9a-f]{32}) \\1$", first[2]);
        Assert.Equal(first[2], second[2]);
        Assert.Single(pod.Calls, c => c.Kind == RuntimeCallKind.RunPodSandbox);
    }

    [RootFact]
    public async Task D8_RestartAllKillsSigtermIgnoringContainersInParallel()
    {
        const string stubborn = """image: busybox, command: ["/bin/sh", "-c", "[ -f /d/done ] && exec sleep 10000; trap '' TERM; touch /d/$0; while true; do sleep 0.1; done"], volumeMounts: [{name: d, mountPath: /d}]}""";
        var pod = await RunAsync($$$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: parallel-kill}
            spec:
              restartPolicy: Never
              containers:
              - {name: stubborn-1, args: [s1], {{{stubborn}}}
              - {name: stubborn-2, args: [s2], {{{stubborn}}}
              - {name: stubborn-3, args: [s3], {{{stubborn}}}
              - name: trigger
                image: busybox
                restartPolicy: Never
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
                command: ["/bin/sh", "-c", "[ -f /d/done ] && exec sleep 10000; until [ -f /d/s1 ] && [ -f /d/s2 ] && [ -f /d/s3 ]; do sleep 0.05; done; touch /d/done; exit 42"]
                volumeMounts: [{name: d, mountPath: /d}]
              volumes: [{name: d, emptyDir: {}}]
            """);

        await pod.WaitForRunningAsync(1, "stubborn-1", "stubborn-2", "stubborn-3", "trigger");

        var stops = pod.Calls.Where(c => c.Kind is RuntimeCallKind.StopBegin or RuntimeCallKind.StopEnd).ToList();
        Assert.Equal(6, stops.Count);
        Assert.All(stops.Take(3), c => Assert.Equal(RuntimeCallKind.StopBegin, c.Kind));
        Assert.All(stops.Skip(3), c => Assert.Equal(137, c.ExitCode));
        Assert.Equal(["stubborn-1", "stubborn-2", "stubborn-3"], stops.Skip(3).Select(c => c.Name).Order());
    }

    [RootFact]
    public async Task D11_PreviousInstanceLogSurvivesRestartAll()
    {
        var pod = await RunAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: previous-log}
            spec:
              restartPolicy: Never
              containers:
              - name: trigger
                image: busybox
                restartPolicy: Never
                restartPolicyRules: [{action: RestartAllContainers, exitCodes: {operator: In, values: [42]}}]
                command: ["/bin/sh", "-c", "echo run >> /d/runs; n=$(wc -l < /d/runs); echo \"trigger run $n\"; [ $n -eq 1 ] && { until [ -f /d/other-1 ]; do sleep 0.05; done; exit 42; }; exit 0"]
                volumeMounts: [{name: d, mountPath: /d}]
              - name: other
                image: busybox
                command: ["/bin/sh", "-c", "echo x >> /d/other-runs; n=$(wc -l < /d/other-runs); echo \"other run $n\"; touch /d/other-$n; exec sleep 10000"]
                volumeMounts: [{name: d, mountPath: /d}]
              volumes: [{name: d, emptyDir: {}}]
            """);

        await pod.WaitForAsync(s => s.Of("trigger")?.State?.Terminated?.ExitCode == 0 && s.RestartCount("trigger") == 1, "trigger's second run finished");
        await pod.WaitForRunningAsync(1, "other");

        Assert.Equal("trigger run 1\n", pod.Log("trigger", 0));
        Assert.Equal("trigger run 2\n", pod.Log("trigger", 1));
        Assert.Equal("other run 1\n", pod.Log("other", 0));
    }

    [RootFact]
    public async Task D11_OnlyTheCurrentAndPreviousInstanceLogsAreKept()
    {
        var harness = await StartAgentAsync(crashLoopBackOffMax: TimeSpan.FromSeconds(1));
        var pod = harness.Run("""
            apiVersion: v1
            kind: Pod
            metadata: {name: pruned-logs}
            spec:
              restartPolicy: OnFailure
              containers:
              - name: c
                image: busybox
                command: ["/bin/sh", "-c", "echo x >> /d/runs; n=$(wc -l < /d/runs); echo \"run $n\"; [ $n -ge 4 ]"]
                volumeMounts: [{name: d, mountPath: /d}]
              volumes: [{name: d, emptyDir: {}}]
            """);

        var succeeded = await pod.WaitForPhaseAsync(PodPhases.Succeeded);

        Assert.Equal(3, succeeded.RestartCount("c"));
        Assert.Equal("run 4\n", pod.Log("c", 3));
        Assert.Equal("run 3\n", pod.Log("c", 2));
        Assert.False(File.Exists(pod.LogPath("c", 1)));
        Assert.False(File.Exists(pod.LogPath("c", 0)));
    }
}
