using k8s.Models;
using Podvisor.Agent.Gc;
using Podvisor.Agent.Hooks;
using Podvisor.Agent.Images;
using Podvisor.Agent.Logs;
using Podvisor.Agent.Status;
using Podvisor.Agent.Volumes;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Core.Status;
using Podvisor.Node.Abstractions;
using Podvisor.Runtime;

namespace Podvisor.Agent.Workers;

/// <summary>What one plan is carried out for: the pod's container hashes, its status manager, and the sync's cancellations.</summary>
/// <param name="Deletion">Cancelled when the pod is deleted: a RestartAllContainers cleanup stops (docs/lifecycle.md §6.11).</param>
/// <param name="Cancelled">Cancelled on deletion or when the agent stops: starts are abandoned.</param>
internal sealed record PodSyncContext(ContainerHashes Hashes, PodStatusManager Status, CancellationToken Deletion, CancellationToken Cancelled);

/// <summary>
/// Carries out a <see cref="PodPlan"/> in the kubelet's SyncPod step order (kuberuntime_manager.go SyncPod) on the
/// runtime snapshot the plan was computed from; a new sandbox is the only step that observes the runtime again.
/// </summary>
internal sealed class PlanExecutor(
    IContainerRuntime runtime, PodTerminator terminator, ContainerGc gc, EventRecorder events, ImageManager images, VolumeManager volumes,
    ContainerLogManager logs, LifecycleHookRunner hooks, CrashLoopBackoff backoff, IConfigObjects configObjects, AgentOptions options, TimeProvider time)
{
    public async Task<SyncResult> ExecuteAsync(V1Pod pod, RuntimePodStatus observed, PodPlan plan, PodSyncContext ctx)
    {
        // Step 2: kill the whole pod (sandbox changed, or nothing left to run) ...
        var killed = new HashSet<string>();
        if (plan.KillPod)
        {
            await terminator.KillPodAsync(pod, observed, gracePeriodOverride: null, stopSandbox: true);
            if (plan.CreateSandbox)
            {
                await PurgeInitContainersAsync(pod, observed, ctx.Cancelled);
            }
        }
        else
        {
            // Step 3: ... or only the containers the plan names, in parallel (docs/lifecycle.md §D8), then the RestartAll cleanup.
            var ip = PodIp.Of(pod, observed, options.HostIp);
            await Task.WhenAll(plan.ContainersToKill.Select(k =>
                terminator.KillContainerAsync(pod, ip, k.ContainerId, k.Name, k.Reason, gracePeriodOverride: null, k.Message, Task.CompletedTask, time.GetUtcNow())));
            killed.UnionWith(plan.ContainersToKill.Select(k => k.ContainerId));
            await RemoveForRestartAllAsync(pod, plan, ctx.Deletion);
        }

        // Step 5: create the sandbox, and observe it (its IP; the init containers purged above).
        var sandboxId = plan.SandboxId;
        if (plan.CreateSandbox)
        {
            var (created, failure) = await CreateSandboxAsync(pod, plan.Attempt, ctx.Cancelled);
            if (created is null)
            {
                return failure;
            }

            sandboxId = created;
            observed = runtime.GetPodStatus(pod.Metadata.Uid);
        }

        if (sandboxId is null || (plan.InitContainersToStart.IsEmpty && plan.ContainersToStart.IsEmpty))
        {
            return SyncResult.Ok;
        }

        return await StartAsync(new Starts(pod, sandboxId, PodIp.Of(pod, observed, options.HostIp), observed, killed, ctx), plan);
    }

    /// <summary>Steps 4, 7 and 9 of SyncPod: prune old init instances, start init containers in order, then regular containers.</summary>
    private async Task<SyncResult> StartAsync(Starts starts, PodPlan plan)
    {
        var pod = starts.Pod;

        // A regular init container that fails to start stops this sync, a sidecar that fails is skipped.
        foreach (var init in pod.Spec.InitContainersOrEmpty())
        {
            await gc.PruneExitedInstancesAsync(starts.Observed, starts.Killed, init.Name, starts.Ctx.Cancelled);
        }

        var result = SyncResult.Ok;
        foreach (var init in plan.InitContainersToStart)
        {
            var (started, outcome) = await StartContainerAsync(starts, init);
            result = result.And(outcome);
            if (!started && init.Kind == ContainerKind.Init)
            {
                return result;
            }
        }

        // Regular containers, in spec order as upstream starts them, except that starts no postStart hook can
        // observe run concurrently (docs/decisions.md): a container with a postStart hook starts once every earlier
        // one has started, and no later one starts before its hook has finished (kuberuntime_manager.go SyncPod step 7,
        // startContainer runs postStart before it returns).
        var wave = new List<Task<(bool, SyncResult Result)>>();
        foreach (var start in plan.ContainersToStart)
        {
            if (pod.Spec.Containers[start.Index].Lifecycle?.PostStart is null)
            {
                wave.Add(StartContainerAsync(starts, start));
                continue;
            }

            result = (await Task.WhenAll(wave)).Aggregate(result, (r, s) => r.And(s.Result));
            wave.Clear();
            result = result.And((await StartContainerAsync(starts, start)).Result);
        }

        return (await Task.WhenAll(wave)).Aggregate(result, (r, s) => r.And(s.Result));
    }

    /// <summary>The starts of one sync: where they go and the runtime state they are decided on.</summary>
    /// <param name="Killed">Instances this sync stopped: exited now, though the snapshot saw them running.</param>
    private sealed record Starts(V1Pod Pod, string SandboxId, string PodIp, RuntimePodStatus Observed, IReadOnlySet<string> Killed, PodSyncContext Ctx);

    private async Task<(string? SandboxId, SyncResult Failure)> CreateSandboxAsync(V1Pod pod, uint attempt, CancellationToken ct)
    {
        if (attempt > 0)
        {
            events.Pod(pod, EventRecorder.TypeNormal, EventReasons.SandboxChanged, "Pod sandbox changed, it will be killed and re-created.");
        }

        try
        {
            volumes.SetUp(pod);
        }
        catch (VolumeSetupException ex)
        {
            // The kubelet waits for volumes before the sandbox: the pod stays ContainerCreating and the sync retries.
            events.Pod(pod, EventRecorder.TypeWarning, EventReasons.FailedMount, ex.MountFailure);
            return (null, SyncResult.Failure(time.GetUtcNow()));
        }

        try
        {
            return (await runtime.RunPodSandboxAsync(new PodSandboxConfig
            {
                PodUid = pod.Metadata.Uid,
                Name = pod.Metadata.Name,
                Namespace = pod.Metadata.NamespaceProperty ?? "default",
                HostNetwork = pod.Spec.HostNetwork == true,
                Hostname = pod.Spec.HostNetwork == true ? "" : PodHostname.ForKernel(pod, options.ClusterDomain),
                Attempt = attempt,
                LogDirectory = logs.PodDirectory(pod),
            }, ct), SyncResult.Ok);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            events.Pod(pod, EventRecorder.TypeWarning, EventReasons.FailedCreatePodSandBox, $"Failed to create pod sandbox: {ex.Message}");
            return (null, SyncResult.Failure(time.GetUtcNow()));
        }
    }

    /// <summary>
    /// Mirrors kubelet startContainer: backoff bookkeeping, create, start, events, reason cache. A container that could
    /// not be started (Started false) has its failure in the reason cache; a failed action also has a Failed event and
    /// a retry time in the result (a failed postStart hook has neither: its kill is the outcome).
    /// </summary>
    private async Task<(bool Started, SyncResult Result)> StartContainerAsync(Starts s, ContainerToStart start)
    {
        var (pod, ct) = (s.Pod, s.Ctx.Cancelled);
        var spec = start.Kind == ContainerKind.Regular ? pod.Spec.Containers[start.Index] : pod.Spec.InitContainers[start.Index];
        if (start.LastFinishedAt is { } finishedAt)
        {
            backoff.Next(CrashLoopBackoff.Key(pod, spec, s.Ctx.Hashes.Get(spec)), finishedAt, time.GetUtcNow());
        }

        // startContainer step 1: the image, before the config.
        var image = await images.EnsureImageExistsAsync(pod, spec, ct);
        if (image.Failure is { } imageFailure)
        {
            // The event names the image manager's error, the reason cache keeps its message.
            return (false, StartFailed(s, spec.Name, imageFailure.Reason, imageFailure.Message, error: imageFailure.Reason, image.RetryAt));
        }

        var restartCount = logs.NextRestartCount(pod, spec.Name, s.Observed);
        var (id, failure) = await CreateAndStartAsync(s, spec, start.Kind, restartCount);
        if (id is null)
        {
            return (false, failure);
        }

        if (!await RunPostStartHookAsync(s, spec, id))
        {
            return (false, SyncResult.Ok);
        }

        s.Ctx.Status.Started(spec.Name);
        if (start.Kind == ContainerKind.Regular)
        {
            // Init containers were pruned before they started (step 4).
            await gc.PruneExitedInstancesAsync(s.Observed, s.Killed, spec.Name, ct);
        }

        logs.PruneOldInstances(pod, spec.Name, restartCount);
        return (true, SyncResult.Ok);
    }

    /// <summary>startContainer steps 2 and 3: the config, create, start, each done with its event; no id and the failure if one fails.</summary>
    private async Task<(string? ContainerId, SyncResult Failure)> CreateAndStartAsync(Starts s, V1Container spec, ContainerKind kind, int restartCount)
    {
        var (pod, ct) = (s.Pod, s.Ctx.Cancelled);
        ContainerConfig config;
        try
        {
            config = ContainerConfigFactory.Create(pod, spec, kind, restartCount, logs.ContainerLog(pod, spec.Name, restartCount), s.PodIp, options, configObjects) with
            {
                Mounts = volumes.Mounts(pod, spec, s.Observed.PodIp),
            };
        }
        catch (ContainerConfigException ex)
        {
            return (null, StartFailed(s, spec.Name, ContainerReasons.CreateContainerConfigError, ex.Message));
        }

        string id;
        try
        {
            id = await runtime.CreateContainerAsync(s.SandboxId, config, ct);
        }
        catch (ContainerStartException ex)
        {
            return (null, StartFailed(s, spec.Name, ContainerReasons.CreateContainerError, ex.Message));
        }

        events.Container(pod, spec.Name, EventRecorder.TypeNormal, EventReasons.Created, $"Created container: {spec.Name}");
        try
        {
            await runtime.StartContainerAsync(id, ct);
        }
        catch (ContainerStartException ex)
        {
            return (null, StartFailed(s, spec.Name, ContainerReasons.RunContainerError, ex.Message));
        }

        events.Container(pod, spec.Name, EventRecorder.TypeNormal, EventReasons.Started, $"Started container {spec.Name}");
        return (id, SyncResult.Ok);
    }

    /// <summary>startContainer step 4: runs the postStart hook, if any; false when it failed and the container was killed.</summary>
    private async Task<bool> RunPostStartHookAsync(Starts s, V1Container spec, string id)
    {
        if (spec.Lifecycle?.PostStart is not { } postStart)
        {
            return true;
        }

        var (pod, ct) = (s.Pod, s.Ctx.Cancelled);
        var hook = await hooks.RunAsync(pod, spec, id, s.PodIp, postStart, ct);
        if (hook.Succeeded)
        {
            return true;
        }

        // Mirrors startContainer step 4: the event hides the message (it may hold secrets), the reason cache keeps it.
        events.Container(pod, spec.Name, EventRecorder.TypeWarning, EventReasons.FailedPostStartHook, HookEvents.PostStartHookFailed);
        await terminator.KillContainerAsync(pod, s.PodIp, id, spec.Name, KillReason.Unknown, null, HookEvents.FailedPostStartHookKillMessage, Task.CompletedTask, time.GetUtcNow());
        s.Ctx.Status.StartFailed(spec.Name, new ContainerStartFailure(HookEvents.PostStartHookError, hook.Message));
        return false;
    }

    /// <summary>Records a failed start: reason cache, the Failed event <c>Error: ERROR</c> (the message by default); the result holds the retry.</summary>
    private SyncResult StartFailed(Starts s, string name, string reason, string message, string? error = null, DateTimeOffset? retryAt = null)
    {
        s.Ctx.Status.StartFailed(name, new ContainerStartFailure(reason, message));
        events.Container(s.Pod, name, EventRecorder.TypeWarning, EventReasons.Failed, $"Error: {error ?? message}");
        return SyncResult.Failure(time.GetUtcNow(), retryAt);
    }

    /// <summary>
    /// docs/lifecycle.md §6.3 + §D8: stop every running target at once (no preStop, the 2 s minimum grace), then remove every container
    /// in upstream's bookkeeping order (targets before sources). A deletion stops the cycle (docs/lifecycle.md §6.11, RS-20; kubelet
    /// cancels the sync's context and the removal loop ends at the first failed call): nothing more is killed or
    /// removed, and the graceful termination that follows finds the containers as they ended.
    /// </summary>
    private async Task RemoveForRestartAllAsync(V1Pod pod, PodPlan plan, CancellationToken deletion)
    {
        var removals = plan.ContainersToRemove;
        if (deletion.IsCancellationRequested)
        {
            return;
        }

        // Upstream's PR passes the literal message "killing"; Podvisor's names the cycle's trigger, in the style of
        // the kubelet's other kill messages ("Container X failed liveness probe, will be restarted").
        var cause = plan.RestartAllCause ?? "all containers restart in place";
        await Task.WhenAll(removals.Where(r => r.Kill).Select(r =>
        {
            events.Container(pod, r.Name, EventRecorder.TypeNormal, EventReasons.Killing,
                $"Container {r.Name} will be restarted in place: {cause}");
            return runtime.StopContainerAsync(r.ContainerId, GracePeriod.StopWindow(0), CancellationToken.None).AsTask();
        }));
        foreach (var r in removals.TakeWhile(_ => !deletion.IsCancellationRequested))
        {
            await runtime.RemoveContainerAsync(r.ContainerId, CancellationToken.None);
        }
    }

    /// <summary>Mirrors purgeInitContainers: a new sandbox runs every init container again.</summary>
    private async Task PurgeInitContainersAsync(V1Pod pod, RuntimePodStatus observed, CancellationToken ct)
    {
        var names = pod.Spec.InitContainersOrEmpty().Select(c => c.Name).ToHashSet();
        foreach (var c in observed.Containers.Where(c => names.Contains(c.Name)))
        {
            await runtime.RemoveContainerAsync(c.Id, ct);
        }
    }
}
