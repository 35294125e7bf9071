using System.Diagnostics;
using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Core.Lifecycle;

/// <summary>
/// Mirrors kubelet computeInitContainerActions (docs/lifecycle.md §5.2, §13): regular init containers run one at a time in spec
/// order, each sidecar gates the next init container on being started, sidecars are kept running (restarted on exit,
/// killed and restarted on liveness/startup failure or a spec change), and a regular init container that failed and
/// may not restart fails the pod (KillPod, nothing started).
/// </summary>
internal sealed class InitContainerActions
{
    private readonly PlannerInput _input;
    private readonly PodActions _actions;
    private readonly IList<V1Container> _init;

    /// <summary>Collected last-to-first as upstream; reversed into spec order at the end.</summary>
    private readonly List<int> _starts = [];
    private bool _podHasInitialized;
    private bool _isPreviouslyInitialized;

    private InitContainerActions(PlannerInput input, PodActions actions)
    {
        _input = input;
        _actions = actions;
        _init = input.Pod.Spec.InitContainersOrEmpty();

        // A regular container that is Created or Running proves initialization happened (Exited deliberately does not:
        // after a node reboot every container is exited and the new sandbox is not initialized).
        _podHasInitialized = input.Pod.Spec.ContainersOrEmpty().Any(c => input.Runtime.FindContainerStatusByName(c.Name)?.State
            is RuntimeContainerState.Created or RuntimeContainerState.Running);
        _isPreviouslyInitialized = _podHasInitialized;
    }

    private enum Outcome
    {
        Continue,
        PodFailed,
    }

    /// <summary>Adds the init actions to <paramref name="actions"/>; returns true when the pod has been initialized.</summary>
    public static bool Compute(PlannerInput input, PodActions actions) =>
        input.Pod.Spec.InitContainersOrEmpty().Count == 0 || new InitContainerActions(input, actions).Walk();

    /// <summary>Walks from the last init container to the first: completed ones may have been removed from the runtime.</summary>
    private bool Walk()
    {
        for (var i = _init.Count - 1; i >= 0; i--)
        {
            var container = _init[i];
            var status = _input.Runtime.FindContainerStatusByName(container.Name);
            if (status is null)
            {
                // Its last instance was removed: only a sidecar of an initialized pod needs to come back.
                if (_isPreviouslyInitialized && container.IsSidecar())
                {
                    _starts.Add(i);
                }

                continue;
            }

            if (_isPreviouslyInitialized && !container.IsSidecar())
            {
                continue;
            }

            if (Visit(i, container, status) == Outcome.PodFailed)
            {
                _actions.KillPod = true;
                _actions.InitContainersToStart.Clear();
                return false;
            }

            _isPreviouslyInitialized = true;
        }

        if (!_isPreviouslyInitialized)
        {
            _starts.Add(0);
        }

        _starts.Reverse();
        _actions.InitContainersToStart.AddRange(_starts);
        return _podHasInitialized;
    }

    private Outcome Visit(int i, V1Container container, RuntimeContainerStatus status)
    {
        switch (status.State)
        {
            case RuntimeContainerState.Created:
                // Created but never started (the start failed): start it again.
                _starts.Add(i);
                return Outcome.Continue;
            case RuntimeContainerState.Running:
                if (container.IsSidecar())
                {
                    VisitRunningSidecar(i, container, status);
                }

                // A running regular init container: wait for it to finish.
                return Outcome.Continue;
            case RuntimeContainerState.Exited:
                return VisitExited(i, container, status);
            case RuntimeContainerState.Unknown:
                return VisitUnknown(i, container, status);
            default:
                throw new UnreachableException();
        }
    }

    /// <summary>
    /// A running sidecar counts once started (startupProbe Success, or Running without a startupProbe); then the next
    /// init container may start. A startup Failure, a spec change or a liveness Failure kills and restarts it.
    /// </summary>
    private void VisitRunningSidecar(int i, V1Container container, RuntimeContainerStatus status)
    {
        if (container.StartupProbe is not null)
        {
            var startup = _input.Probes.Get(ProbeType.Startup, status.Id);
            if (startup == ProbeResult.Failure)
            {
                Restart(i, status, KillReason.StartupProbe, $"Init container {container.Name} failed startup probe");
            }

            if (startup != ProbeResult.Success)
            {
                return;
            }
        }

        if (i == _init.Count - 1)
        {
            _podHasInitialized = true;
        }
        else if (!_isPreviouslyInitialized)
        {
            _starts.Add(i + 1);
        }

        if (_input.HashOf(container) != status.Hash)
        {
            Restart(i, status, KillReason.SpecChanged, $"Init container {container.Name} definition changed");
        }
        else if (container.LivenessProbe is not null && _input.Probes.Get(ProbeType.Liveness, status.Id) == ProbeResult.Failure)
        {
            Restart(i, status, KillReason.LivenessProbe, $"Init container {container.Name} failed liveness probe");
        }
    }

    /// <summary>A sidecar always restarts; a regular init container restarts when failed and allowed, else moves on.</summary>
    private Outcome VisitExited(int i, V1Container container, RuntimeContainerStatus status)
    {
        if (container.IsSidecar())
        {
            _starts.Add(i);
            return Outcome.Continue;
        }

        if (RestartDecider.IsInitContainerFailed(status))
        {
            if (!FailedInitMayRestart(container))
            {
                return Outcome.PodFailed;
            }

            _starts.Add(i);
            return Outcome.Continue;
        }

        if (i == _init.Count - 1)
        {
            _podHasInitialized = true;
        }
        else
        {
            _starts.Add(i + 1);
        }

        return Outcome.Continue;
    }

    /// <summary>An instance in Unknown state is killed before being restarted, unless a regular init may not restart.</summary>
    private Outcome VisitUnknown(int i, V1Container container, RuntimeContainerStatus status)
    {
        if (!container.IsSidecar() && !RestartPolicy.Decide(_input.Pod.Spec, container, _input.Gates, exitCode: null).Restarts)
        {
            return Outcome.PodFailed;
        }

        Restart(i, status, KillReason.Unknown, "Init container is in \"unknown\" state, try killing it before restart");
        return Outcome.Continue;
    }

    private void Restart(int i, RuntimeContainerStatus status, KillReason reason, string message)
    {
        _actions.Kill(status, reason, message);
        _starts.Add(i);
    }

    /// <summary>
    /// With ContainerRestartRules the exit is judged by ShouldContainerBeRestarted (container policy and rules, docs/lifecycle.md §4.2);
    /// without it only the pod policy counts (shouldRestartOnFailure: not Never), which is the decision without an exit code.
    /// </summary>
    private bool FailedInitMayRestart(V1Container container) => _input.Gates.ContainerRestartRules
        ? RestartDecider.ShouldContainerBeRestarted(container, _input.Pod, _input.Runtime, _input.Gates)
        : RestartPolicy.Decide(_input.Pod.Spec, container, _input.Gates, exitCode: null).Restarts;
}
