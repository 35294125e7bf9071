using k8s.Models;
using Podvisor.Agent.Hooks;
using Podvisor.Agent.Volumes;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Runtime;

namespace Podvisor.Agent.Workers;

/// <summary>
/// Kills containers the kubelet's way (docs/lifecycle.md §10): one container with its grace period and preStop, or a
/// whole pod with regular containers first and sidecars last; and removes a pod from the runtime.
/// </summary>
internal sealed class PodTerminator(IContainerRuntime runtime, EventRecorder events, LifecycleHookRunner hooks, VolumeManager volumes, TimeProvider time, string hostIp)
{
    /// <summary>
    /// Mirrors killContainersWithSyncResult + terminationOrdering: all running containers are killed concurrently; each
    /// sidecar waits (within the grace period) for every regular container and for every sidecar declared after it, so
    /// sidecars stop in reverse order. Then the sandbox is stopped.
    /// </summary>
    /// <param name="gracePeriodOverride">The deletion's grace period; null uses each container's computed grace (docs/lifecycle.md §10.1).</param>
    public async Task KillPodAsync(V1Pod pod, RuntimePodStatus status, long? gracePeriodOverride, bool stopSandbox)
    {
        var running = status.Containers
            .Where(c => c.State is RuntimeContainerState.Running or RuntimeContainerState.Created or RuntimeContainerState.Unknown)
            .ToList();
        var done = running.Select(c => c.Name).Distinct().ToDictionary(n => n, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var started = time.GetUtcNow();
        var podIp = PodIp.Of(pod, status, hostIp);
        await Task.WhenAll(running.Select(async c =>
        {
            try
            {
                await KillContainerAsync(pod, podIp, c.Id, c.Name, KillReason.Unknown, gracePeriodOverride,
                    $"Stopping container {c.Name}", TurnOf(pod.Spec, c.Name, done), started);
            }
            finally
            {
                done[c.Name].TrySetResult();
            }
        }));
        if (stopSandbox)
        {
            foreach (var sandbox in status.Sandboxes)
            {
                await runtime.StopPodSandboxAsync(sandbox.Id, CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// Mirrors kuberuntime killContainer (docs/lifecycle.md §10.1): Killing event, preStop within the grace period (its time counts),
    /// the sidecar's turn (within what is left), then the stop signal with at least the 2 s minimum before SIGKILL.
    /// </summary>
    /// <param name="turn">What the container waits for before its stop signal (sidecars: the containers that stop first).</param>
    /// <param name="started">When the kill began: the sidecar's turn is measured from it (after preStop), not from
    /// whenever this task got to run, so every container of one pod kill shares the same clock.</param>
    public async Task KillContainerAsync(
        V1Pod pod, string podIp, string containerId, string name, KillReason reason, long? gracePeriodOverride, string message, Task turn, DateTimeOffset started)
    {
        events.Container(pod, name, EventRecorder.TypeNormal, EventReasons.Killing, message);
        var spec = pod.Spec.FindContainer(name) ?? new V1Container { Name = name };
        var grace = GracePeriod.Compute(pod, spec, reason, gracePeriodOverride);
        if (GracePeriod.ShouldRunPreStop(spec, grace))
        {
            var preStop = await hooks.ExecutePreStopAsync(pod, spec, containerId, podIp, grace, CancellationToken.None);
            if (preStop.Result is { Succeeded: false })
            {
                events.Container(pod, name, EventRecorder.TypeWarning, EventReasons.FailedPreStopHook, HookEvents.PreStopHookFailed);
            }

            grace = GracePeriod.AfterWait(grace, preStop.Elapsed);
            started += preStop.Elapsed;
        }

        if (grace > 0 && !turn.IsCompleted)
        {
            var left = Durations.TimerDue(Durations.Seconds(grace) - (time.GetUtcNow() - started));
            await turn.WaitAsync(left, time).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        // Whether or not it waited (its turn may have come before this task ran), the time since the kill began counts.
        grace = GracePeriod.AfterWait(grace, time.GetUtcNow() - started);

        await runtime.StopContainerAsync(containerId, GracePeriod.StopWindow(grace), CancellationToken.None);
    }

    /// <summary>Removes every container and sandbox of the pod from the runtime, then its volumes.</summary>
    public async Task RemoveRuntimePodAsync(string uid)
    {
        foreach (var c in runtime.GetPodStatus(uid).Containers)
        {
            await runtime.RemoveContainerAsync(c.Id, CancellationToken.None);
        }

        foreach (var sandbox in runtime.GetPodStatus(uid).Sandboxes)
        {
            await runtime.RemovePodSandboxAsync(sandbox.Id, CancellationToken.None);
        }

        volumes.TearDown(uid);
    }

    /// <summary>What a container waits for before its stop signal: nothing, or (sidecars) the containers that stop first.</summary>
    private static Task TurnOf(V1PodSpec spec, string name, Dictionary<string, TaskCompletionSource> done)
    {
        var init = spec.InitContainersOrEmpty();
        var index = init.ToList().FindIndex(c => c.Name == name);
        if (index < 0 || !init[index].IsSidecar())
        {
            return Task.CompletedTask;
        }

        var prerequisites = spec.ContainersOrEmpty().Select(c => c.Name)
            .Concat(init.Skip(index + 1).Where(c => c.IsSidecar()).Select(c => c.Name))
            .Where(done.ContainsKey)
            .Select(n => done[n].Task);
        return Task.WhenAll(prerequisites);
    }
}
