using k8s.Models;
using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;

namespace Podvisor.Core.Status;

/// <summary>
/// Mirrors kubelet getPhase (pkg/kubelet/kubelet_pods.go, docs/lifecycle.md §7): counts init, sidecar and regular container API
/// statuses and derives the pod phase. With RestartAllContainersOnContainerExits a termination recorded with reason
/// <c>RestartingAllContainers</c> always counts as restartable.
/// </summary>
public static class PhaseCalculator
{
    private sealed class Counters
    {
        public int PendingRestartableInit;
        public int PendingRegularInit;
        public int FailedInit;
        public int FailedInitNotRestartable;
        public int Unknown;
        public int Running;
        public int Waiting;
        public int Stopped;
        public int StoppedNotRestartable;
        public int Succeeded;
    }

    /// <param name="podHasInitialized">kubecontainer.HasAnyActiveRegularContainerStarted on the runtime status.</param>
    public static string GetPhase(V1Pod pod, IReadOnlyCollection<V1ContainerStatus> statuses, bool podIsTerminal, bool podHasInitialized, FeatureGates gates)
    {
        var n = new Counters();
        var spec = pod.Spec;
        foreach (var c in spec.InitContainersOrEmpty().Where(c => !c.IsSidecar()))
        {
            CountRegularInit(n, c, spec, StatusObjects.Find(statuses, c.Name), gates);
        }

        foreach (var c in spec.InitContainersOrEmpty().Where(c => c.IsSidecar()))
        {
            CountSidecar(n, StatusObjects.Find(statuses, c.Name));
        }

        foreach (var c in spec.ContainersOrEmpty())
        {
            CountRegular(n, c, spec, StatusObjects.Find(statuses, c.Name), gates);
        }

        return Decide(n, spec, podIsTerminal, podHasInitialized, gates);
    }

    private static void CountRegularInit(Counters n, V1Container c, V1PodSpec spec, V1ContainerStatus? s, FeatureGates gates)
    {
        // The termination that decides: the current one, or the last one while waiting to restart.
        var termination = s switch
        {
            { State.Running: not null } => null,
            { State.Terminated: { } terminated } => terminated,
            { State.Waiting: not null } => StatusObjects.LastTerminated(s),
            _ => null,
        };
        if (termination is null)
        {
            // No status, running, waiting without a previous run, or an empty state.
            n.PendingRegularInit++;
            return;
        }

        if (termination.ExitCode == 0)
        {
            // A completed init container (or one waiting after a completed run) is neither pending nor failed.
            return;
        }

        n.FailedInit++;
        if (gates.ContainerRestartRules && !IsRestartable(c, spec, termination, gates))
        {
            n.FailedInitNotRestartable++;
        }
    }

    private static void CountSidecar(Counters n, V1ContainerStatus? s)
    {
        switch (s)
        {
            case null:
                n.Unknown++;
                break;
            case { State.Running: not null }:
                if (s.Started != true)
                {
                    n.PendingRestartableInit++;
                }

                n.Running++;
                break;
            case { State.Terminated: not null }:
                // Terminated sidecars never count toward the phase.
                break;
            case { State.Waiting: not null }:
                if (StatusObjects.LastTerminated(s) is null)
                {
                    n.PendingRestartableInit++;
                    n.Waiting++;
                }

                break;
            default:
                n.PendingRestartableInit++;
                n.Unknown++;
                break;
        }
    }

    private static void CountRegular(Counters n, V1Container c, V1PodSpec spec, V1ContainerStatus? s, FeatureGates gates)
    {
        switch (s)
        {
            case null:
                n.Unknown++;
                break;
            case { State.Running: not null }:
                n.Running++;
                break;
            case { State.Terminated: { } terminated }:
                CountStopped(n, c, spec, terminated, gates);
                if (terminated.ExitCode == 0)
                {
                    n.Succeeded++;
                }

                break;
            case { State.Waiting: not null }:
                if (StatusObjects.LastTerminated(s) is { } last)
                {
                    // Upstream counts the stop but not a success here.
                    CountStopped(n, c, spec, last, gates);
                }
                else
                {
                    n.Waiting++;
                }

                break;
            default:
                n.Unknown++;
                break;
        }
    }

    private static void CountStopped(Counters n, V1Container c, V1PodSpec spec, V1ContainerStateTerminated terminated, FeatureGates gates)
    {
        n.Stopped++;
        if (gates.ContainerRestartRules && !IsRestartable(c, spec, terminated, gates))
        {
            n.StoppedNotRestartable++;
        }
    }

    private static bool IsRestartable(V1Container c, V1PodSpec spec, V1ContainerStateTerminated terminated, FeatureGates gates) =>
        RestartPolicy.Decide(spec, c, gates, terminated.ExitCode).Restarts
        || (gates.RestartAllContainersOnContainerExits && terminated.Reason == ContainerReasons.RestartingAllContainers);

    private static string Decide(Counters n, V1PodSpec spec, bool podIsTerminal, bool podHasInitialized, FeatureGates gates)
    {
        var policy = RestartPolicy.EffectiveFor(spec);
        var initFailed = gates.ContainerRestartRules
            ? n.FailedInitNotRestartable > 0
            : n.FailedInit > 0 && policy == RestartPolicies.Never;
        if (initFailed)
        {
            return PodPhases.Failed;
        }

        if (n.PendingRegularInit > 0 || (n.PendingRestartableInit > 0 && !podHasInitialized) || n.Waiting > 0)
        {
            return PodPhases.Pending;
        }

        if (n.Running > 0 && n.Unknown == 0)
        {
            return PodPhases.Running;
        }

        if (n.Running == 0 && n.Stopped > 0 && n.Unknown == 0)
        {
            return DecideAllStopped(n, policy, podIsTerminal, gates);
        }

        return PodPhases.Pending;
    }

    private static string DecideAllStopped(Counters n, string policy, bool podIsTerminal, FeatureGates gates)
    {
        var allSucceeded = n.Stopped == n.Succeeded;
        if (podIsTerminal)
        {
            // The pod is terminal, so its containers won't be restarted whatever the policy.
            return allSucceeded ? PodPhases.Succeeded : PodPhases.Failed;
        }

        if (gates.ContainerRestartRules)
        {
            return n.Stopped != n.StoppedNotRestartable ? PodPhases.Running
                : allSucceeded ? PodPhases.Succeeded
                : PodPhases.Failed;
        }

        return policy switch
        {
            RestartPolicies.Always => PodPhases.Running,
            _ when allSucceeded => PodPhases.Succeeded,
            RestartPolicies.Never => PodPhases.Failed,
            _ => PodPhases.Running,
        };
    }
}
