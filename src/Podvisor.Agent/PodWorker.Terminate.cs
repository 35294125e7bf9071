using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Agent;

/// <summary>Whole-pod termination (§10.2): every container at once, regular containers first, sidecars last.</summary>
internal sealed partial class PodWorker
{
    /// <summary>
    /// Mirrors killContainersWithSyncResult + terminationOrdering: all running containers are killed concurrently; each
    /// sidecar waits (within the grace period) for every regular container and for every sidecar declared after it, so
    /// sidecars stop in reverse order. Then the sandbox is stopped.
    /// </summary>
    private async Task KillPodAsync(V1Pod pod, RuntimePodStatus runtime, long gracePeriodSeconds, bool stopSandbox)
    {
        var running = runtime.Containers
            .Where(c => c.State is RuntimeContainerState.Running or RuntimeContainerState.Created or RuntimeContainerState.Unknown)
            .ToList();
        var done = running.Select(c => c.Name).Distinct().ToDictionary(n => n, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var deadline = _agent.Time.GetUtcNow() + TimeSpan.FromSeconds(gracePeriodSeconds);
        await Task.WhenAll(running.Select(c => KillInOrderAsync(pod, c, TurnOf(pod.Spec, c.Name, done), deadline, done[c.Name])));
        if (stopSandbox)
        {
            foreach (var sandbox in runtime.Sandboxes)
            {
                await _agent.Runtime.StopPodSandboxAsync(sandbox.Id, CancellationToken.None);
            }
        }
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

    private async Task KillInOrderAsync(V1Pod pod, RuntimeContainerStatus container, Task turn, DateTimeOffset deadline, TaskCompletionSource done)
    {
        try
        {
            _agent.Events.Container(pod, container.Name, EventRecorder.TypeNormal, EventReasons.Killing, $"Stopping container {container.Name}");
            var remaining = deadline - _agent.Time.GetUtcNow();
            if (remaining > TimeSpan.Zero && !turn.IsCompleted)
            {
                await turn.WaitAsync(remaining, _agent.Time).ContinueWith(_ => { }, TaskScheduler.Default);
            }

            await StopAsync(container.Id, deadline - _agent.Time.GetUtcNow());
        }
        finally
        {
            done.TrySetResult();
        }
    }
}
