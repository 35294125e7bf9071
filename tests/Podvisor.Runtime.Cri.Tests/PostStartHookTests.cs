using Podvisor.Runtime.Cri.Tests.Harness;

namespace Podvisor.Runtime.Cri.Tests;

/// <summary>Lifecycle hooks through <c>podvisor run --runtime cri</c>: CRI ExecSync as the kubelet calls it for hooks.</summary>
[Collection(ContainerdCollection.Name)]
public sealed class PostStartHookTests(ContainerdFixture containerd)
{
    /// <summary>
    /// Hooks have no timeout (the kubelet passes CRI timeout 0); an infinite timeout once became CRI's 1 s, and this
    /// hook was killed after 1 s with FailedPostStartHook. The container waits for the hook's file, so it succeeds
    /// only if the hook ran to its end.
    /// </summary>
    [CriFact]
    public async Task APostStartExecHookLongerThanASecondRunsToItsEndAndTheContainerSucceeds()
    {
        var manifest = $"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: slow-post-start
            spec:
              restartPolicy: Never
              containers:
              - name: app
                image: {containerd.Image(TestImages.Busybox)}
                command: ["sh", "-c", "until [ -f /tmp/hook-done ]; do sleep 1; done; echo hook done"]
                lifecycle:
                  postStart:
                    exec:
                      command: ["sh", "-c", "sleep 3; touch /tmp/hook-done"]
            """;

        var run = await PodvisorRun.RunAsync(containerd, "slow-post-start.yaml", manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain(run.Events, e => e.Reason is "FailedPostStartHook" or "Killing");
        var app = run.ContainerStatus("app");
        Assert.Equal(0, app.GetProperty("restartCount").GetInt32());
        Assert.Equal(0, app.GetProperty("state").GetProperty("terminated").GetProperty("exitCode").GetInt32());
        Assert.Equal("Succeeded", run.Pod.GetProperty("status").GetProperty("phase").GetString());
    }
}
