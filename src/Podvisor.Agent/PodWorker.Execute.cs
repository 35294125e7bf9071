using k8s.Models;
using Podvisor.Agent.Hooks;
using Podvisor.Agent.Volumes;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Core.Status;
using Podvisor.Runtime;

namespace Podvisor.Agent;

/// <summary>Carries out a <see cref="PodPlan"/> in the kubelet's SyncPod step order.</summary>
internal sealed partial class PodWorker
{
    private async Task ExecuteAsync(V1Pod pod, RuntimePodStatus runtime, PodPlan plan, CancellationToken ct)
    {
        // Step 2: kill the whole pod (sandbox changed, or nothing left to run) ...
        if (plan.KillPod)
        {
            await KillPodAsync(pod, runtime, gracePeriodOverride: null, stopSandbox: true);
            if (plan.CreateSandbox)
            {
                await PurgeInitContainersAsync(pod, ct);
            }
        }
        else
        {
            // Step 3: ... or only the containers the plan names, in parallel (docs/lifecycle.md §D8), then the RestartAll cleanup.
            await Task.WhenAll(plan.ContainersToKill.Select(k =>
                KillContainerAsync(pod, k.ContainerId, k.Name, k.Reason, gracePeriodOverride: null, k.Message, Task.CompletedTask, _agent.Time.GetUtcNow())));
            await RemoveForRestartAllAsync(pod, plan);
        }

        // Step 5: create the sandbox.
        var sandboxId = plan.SandboxId;
        if (plan.CreateSandbox)
        {
            sandboxId = await CreateSandboxAsync(pod, plan.Attempt, ct);
            if (sandboxId is null)
            {
                return;
            }
        }

        if (sandboxId is null || (plan.InitContainersToStart.IsEmpty && plan.ContainersToStart.IsEmpty))
        {
            return;
        }

        // Steps 4 and 7: prune old init instances, then start init containers in order; a regular init container
        // that fails to start stops this sync, a sidecar that fails is skipped.
        await PruneInitContainersAsync(pod, ct);
        var podIp = CurrentPodIp(pod);
        foreach (var init in plan.InitContainersToStart)
        {
            if (!await StartContainerAsync(pod, sandboxId, podIp, init, ct) && init.Kind == ContainerKind.Init)
            {
                return;
            }
        }

        // Step 9: regular containers, in spec order as upstream starts them, except that starts no postStart hook can
        // observe run concurrently (docs/decisions.md): a container with a postStart hook starts once every earlier
        // one has started, and no later one starts before its hook has finished (kuberuntime_manager.go SyncPod step 7,
        // startContainer runs postStart before it returns).
        var wave = new List<Task<bool>>();
        foreach (var start in plan.ContainersToStart)
        {
            if (pod.Spec.Containers[start.Index].Lifecycle?.PostStart is null)
            {
                wave.Add(StartContainerAsync(pod, sandboxId, podIp, start, ct));
                continue;
            }

            await Task.WhenAll(wave);
            wave.Clear();
            await StartContainerAsync(pod, sandboxId, podIp, start, ct);
        }

        await Task.WhenAll(wave);
    }

    /// <summary>status.podIP: the newest sandbox's IP (the one the plan uses; env fieldRefs, hooks and probes target it), the host's for hostNetwork pods.</summary>
    private string CurrentPodIp(V1Pod pod) =>
        pod.Spec.HostNetwork == true ? _agent.Options.HostIp : _agent.Runtime.GetPodStatus(Uid).PodIp ?? _agent.Options.HostIp;

    private async Task<string?> CreateSandboxAsync(V1Pod pod, uint attempt, CancellationToken ct)
    {
        if (attempt > 0)
        {
            _agent.Events.Pod(pod, EventRecorder.TypeNormal, EventReasons.SandboxChanged, "Pod sandbox changed, it will be killed and re-created.");
        }

        try
        {
            _agent.Volumes.SetUp(pod);
        }
        catch (VolumeSetupException ex)
        {
            // The kubelet waits for volumes before the sandbox: the pod stays ContainerCreating and the sync retries.
            _agent.Events.Pod(pod, EventRecorder.TypeWarning, EventReasons.FailedMount, ex.MountFailure);
            RetryAt();
            return null;
        }

        try
        {
            return await _agent.Runtime.RunPodSandboxAsync(new PodSandboxConfig
            {
                PodUid = Uid,
                Name = pod.Metadata.Name,
                Namespace = pod.Metadata.NamespaceProperty ?? "default",
                HostNetwork = pod.Spec.HostNetwork == true,
                Hostname = pod.Spec.HostNetwork == true ? "" : PodHostname.ForKernel(pod, _agent.Options.ClusterDomain),
                Attempt = attempt,
            }, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _agent.Events.Pod(pod, EventRecorder.TypeWarning, EventReasons.FailedCreatePodSandBox, $"Failed to create pod sandbox: {ex.Message}");
            RetryAt();
            return null;
        }
    }

    /// <summary>
    /// Mirrors kubelet startContainer: backoff bookkeeping, create, start, events, reason cache. Returns false when the
    /// container could not be started (the failure is in the reason cache and a Failed event).
    /// </summary>
    private async Task<bool> StartContainerAsync(V1Pod pod, string sandboxId, string podIp, ContainerToStart start, CancellationToken ct)
    {
        var spec = start.Kind == ContainerKind.Regular ? pod.Spec.Containers[start.Index] : pod.Spec.InitContainers[start.Index];
        if (start.LastFinishedAt is { } finishedAt)
        {
            _agent.Backoff.Next(CrashLoopBackoff.Key(pod, spec, _hashes.Get(spec)), finishedAt, _agent.Time.GetUtcNow());
        }

        // startContainer step 1: the image, before the config.
        var image = await _agent.Images.EnsureImageExistsAsync(pod, spec, ct);
        if (image.Failure is { } imageFailure)
        {
            // The event names the image manager's error, the reason cache keeps its message.
            return StartFailed(pod, spec.Name, imageFailure.Reason, imageFailure.Message, error: imageFailure.Reason, image.RetryAt);
        }

        var runtime = _agent.Runtime.GetPodStatus(Uid);
        var restartCount = ContainerConfigFactory.NextRestartCount(pod, spec.Name, runtime, _agent.Options.DataDir);
        ContainerConfig config;
        try
        {
            config = ContainerConfigFactory.Create(pod, spec, start.Kind, restartCount, podIp, _agent.Options, _agent.ConfigObjects) with
            {
                Mounts = _agent.Volumes.Mounts(pod, spec, runtime.PodIp),
            };
        }
        catch (ContainerConfigException ex)
        {
            return StartFailed(pod, spec.Name, ContainerReasons.CreateContainerConfigError, ex.Message);
        }

        string id;
        try
        {
            id = await _agent.Runtime.CreateContainerAsync(sandboxId, config, ct);
        }
        catch (ContainerStartException ex)
        {
            return StartFailed(pod, spec.Name, ContainerReasons.CreateContainerError, ex.Message);
        }

        _agent.Events.Container(pod, spec.Name, EventRecorder.TypeNormal, EventReasons.Created, $"Created container: {spec.Name}");
        try
        {
            await _agent.Runtime.StartContainerAsync(id, ct);
        }
        catch (ContainerStartException ex)
        {
            return StartFailed(pod, spec.Name, ContainerReasons.RunContainerError, ex.Message);
        }

        _agent.Events.Container(pod, spec.Name, EventRecorder.TypeNormal, EventReasons.Started, $"Started container {spec.Name}");
        if (spec.Lifecycle?.PostStart is { } postStart
            && await _agent.Hooks.RunAsync(pod, spec, id, podIp, postStart, ct) is { Succeeded: false } failed)
        {
            // Mirrors startContainer step 4: the event hides the message (it may hold secrets), the reason cache keeps it.
            _agent.Events.Container(pod, spec.Name, EventRecorder.TypeWarning, EventReasons.FailedPostStartHook, HookEvents.PostStartHookFailed);
            await KillContainerAsync(pod, id, spec.Name, KillReason.Unknown, null, HookEvents.FailedPostStartHookKillMessage, Task.CompletedTask, _agent.Time.GetUtcNow());
            _reasonCache[spec.Name] = new ContainerStartFailure(HookEvents.PostStartHookError, failed.Message);
            return false;
        }

        _reasonCache.TryRemove(spec.Name, out _);
        await PruneExitedInstancesAsync(spec.Name, keep: 1, ct);
        PruneLogs(config.LogPath, restartCount);
        return true;
    }

    /// <summary>Records a failed start: reason cache, the Failed event <c>Error: ERROR</c> (the message by default), the retry.</summary>
    private bool StartFailed(V1Pod pod, string name, string reason, string message, string? error = null, DateTimeOffset? retryAt = null)
    {
        RetryAt(retryAt);
        _reasonCache[name] = new ContainerStartFailure(reason, message);
        _agent.Events.Container(pod, name, EventRecorder.TypeWarning, EventReasons.Failed, $"Error: {error ?? message}");
        return false;
    }

    /// <summary>
    /// docs/lifecycle.md §6.3 + §D8: stop every running target at once (no preStop, the 2 s minimum grace), then remove every container
    /// in upstream's bookkeeping order (targets before sources). A deletion stops the cycle (docs/lifecycle.md §6.11, RS-20; kubelet
    /// cancels the sync's context and the removal loop ends at the first failed call): nothing more is killed or
    /// removed, and the graceful termination that follows finds the containers as they ended.
    /// </summary>
    private async Task RemoveForRestartAllAsync(V1Pod pod, PodPlan plan)
    {
        var removals = plan.ContainersToRemove;
        if (Deleting)
        {
            return;
        }

        // Upstream's PR passes the literal message "killing"; Podvisor's names the cycle's trigger, in the style of
        // the kubelet's other kill messages ("Container X failed liveness probe, will be restarted").
        var cause = plan.RestartAllCause ?? "all containers restart in place";
        await Task.WhenAll(removals.Where(r => r.Kill).Select(r =>
        {
            _agent.Events.Container(pod, r.Name, EventRecorder.TypeNormal, EventReasons.Killing,
                $"Container {r.Name} will be restarted in place: {cause}");
            return _agent.Runtime.StopContainerAsync(r.ContainerId, GracePeriod.StopWindow(0), CancellationToken.None).AsTask();
        }));
        foreach (var r in removals.TakeWhile(_ => !Deleting))
        {
            await _agent.Runtime.RemoveContainerAsync(r.ContainerId, CancellationToken.None);
        }
    }

    /// <summary>Mirrors purgeInitContainers: a new sandbox runs every init container again.</summary>
    private async Task PurgeInitContainersAsync(V1Pod pod, CancellationToken ct)
    {
        var names = pod.Spec.InitContainersOrEmpty().Select(c => c.Name).ToHashSet();
        foreach (var c in _agent.Runtime.GetPodStatus(Uid).Containers.Where(c => names.Contains(c.Name)))
        {
            await _agent.Runtime.RemoveContainerAsync(c.Id, ct);
        }
    }

    /// <summary>Mirrors pruneInitContainersBeforeStart: keep only the newest exited instance of each init container.</summary>
    private async Task PruneInitContainersAsync(V1Pod pod, CancellationToken ct)
    {
        foreach (var init in pod.Spec.InitContainersOrEmpty())
        {
            await PruneExitedInstancesAsync(init.Name, keep: 1, ct);
        }
    }

    /// <summary>Container GC with MaxPerPodContainer = 1: only the newest exited instance of a name is kept (lastState).</summary>
    private async Task PruneExitedInstancesAsync(string name, int keep, CancellationToken ct)
    {
        var exited = _agent.Runtime.GetPodStatus(Uid).InstancesOf(name)
            .Where(c => c.State is RuntimeContainerState.Exited or RuntimeContainerState.Unknown)
            .Skip(keep)
            .ToList();
        foreach (var c in exited)
        {
            await _agent.Runtime.RemoveContainerAsync(c.Id, ct);
        }
    }

    /// <summary>docs/lifecycle.md §D11: keep the current and the previous instance's log; older ones go, rotated parts too.</summary>
    private static void PruneLogs(string currentLogPath, int restartCount)
    {
        for (var n = restartCount - 2; n >= 0; n--)
        {
            var old = Path.Combine(Path.GetDirectoryName(currentLogPath)!, $"{n}.log");
            if (!File.Exists(old))
            {
                break;
            }

            foreach (var rotated in Runtime.ContainerLogRotation.Rotated(old))
            {
                File.Delete(rotated);
            }

            File.Delete(old);
        }
    }
}
