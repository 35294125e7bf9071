using System.Globalization;
using k8s;
using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Api.Printing;

/// <summary>
/// The pod row of <c>kubectl get pods</c>. Mirrors printPod in kubernetes pkg/printers/internalversion/printers.go
/// (always the wide form; kubectl hides priority-1 columns unless <c>-o wide</c>).
/// </summary>
public static class PodPrinter
{
    /// <summary>Column definitions exactly as a v1.36 apiserver sends them (see the k8rs table-pods.json capture).</summary>
    public static readonly IReadOnlyList<TableColumn> Columns =
    [
        new("Name", "string", "name", "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names", 0),
        new("Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic.", 0),
        new("Status", "string", "", "The aggregate status of the containers in this pod.", 0),
        new("Restarts", "string", "", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.", 0),
        new("Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata", 0),
        new("IP", "string", "", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", 1),
        new("Node", "string", "", "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename", 1),
        new("Nominated Node", "string", "", "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.", 1),
        new("Readiness Gates", "string", "", "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates", 1),
    ];

    private static readonly TableRowCondition[] SucceededConditions = [new("Completed", "True", "Succeeded", "The pod has completed successfully.")];
    private static readonly TableRowCondition[] FailedConditions = [new("Completed", "True", "Failed", "The pod failed.")];

    public static TableRow Print(V1Pod pod, DateTimeOffset now)
    {
        var spec = pod.Spec ?? new V1PodSpec();
        var status = pod.Status ?? new V1PodStatus();
        var counts = new Counts { Total = spec.Containers?.Count ?? 0 };
        var reason = string.IsNullOrEmpty(status.Reason) ? status.Phase ?? "" : status.Reason;
        if (status.Conditions?.Any(c => c.Type == "PodScheduled" && c.Reason == "SchedulingGated") == true)
        {
            reason = "SchedulingGated";
        }

        var sidecars = (spec.InitContainers ?? []).Where(c => c.IsSidecar()).Select(c => c.Name).ToHashSet();
        counts.Total += sidecars.Count;
        var initializing = PrintInitContainers(spec, status, sidecars, counts, ref reason);
        if (!initializing || IsConditionTrue(status, "Initialized"))
        {
            counts.Restarts = counts.SidecarRestarts;
            counts.LastRestart = counts.LastSidecarRestart;
            PrintContainers(status, counts, ref reason);
        }

        if (pod.Metadata?.DeletionTimestamp is not null && status.Reason == "NodeLost")
        {
            reason = "Unknown";
        }
        else if (pod.Metadata?.DeletionTimestamp is not null && status.Phase is not ("Succeeded" or "Failed"))
        {
            reason = "Terminating";
        }

        var restarts = counts.Restarts.ToString(CultureInfo.InvariantCulture);
        if (counts.Restarts != 0 && counts.LastRestart is { } last)
        {
            restarts = $"{restarts} ({HumanDuration.Since(last, now)} ago)";
        }

        object[] cells =
        [
            pod.Metadata?.Name ?? "", $"{counts.Ready}/{counts.Total}", reason, restarts, HumanDuration.Since(pod.Metadata?.CreationTimestamp, now),
            NoneIfEmpty(status.PodIPs?.FirstOrDefault()?.Ip), NoneIfEmpty(spec.NodeName), NoneIfEmpty(status.NominatedNodeName), ReadinessGates(spec, status),
        ];
        var conditions = status.Phase switch
        {
            "Succeeded" => SucceededConditions,
            "Failed" => FailedConditions,
            _ => [],
        };
        return new TableRow(cells, conditions);
    }

    /// <summary>The init-container pass of printPod; returns whether the pod is still initializing.</summary>
    private static bool PrintInitContainers(V1PodSpec spec, V1PodStatus status, HashSet<string> sidecars, Counts counts, ref string reason)
    {
        var statuses = status.InitContainerStatuses ?? [];
        for (var i = 0; i < statuses.Count; i++)
        {
            var container = statuses[i];
            var isSidecar = sidecars.Contains(container.Name);
            counts.Restarts += container.RestartCount;
            counts.LastRestart = Later(counts.LastRestart, container.LastState?.Terminated?.FinishedAt);
            if (isSidecar)
            {
                counts.SidecarRestarts += container.RestartCount;
                counts.LastSidecarRestart = Later(counts.LastSidecarRestart, container.LastState?.Terminated?.FinishedAt);
            }

            var terminated = container.State?.Terminated;
            var waiting = container.State?.Waiting;
            if (terminated is not null && terminated.ExitCode == 0)
            {
                continue;
            }

            if (isSidecar && container.Started == true)
            {
                counts.Ready += container.Ready ? 1 : 0;
                continue;
            }

            if (terminated is not null)
            {
                reason = "Init:" + TerminatedReason(terminated);
            }
            else if (!string.IsNullOrEmpty(waiting?.Reason) && waiting.Reason != "PodInitializing")
            {
                reason = "Init:" + waiting.Reason;
            }
            else
            {
                reason = string.Create(CultureInfo.InvariantCulture, $"Init:{i}/{spec.InitContainers?.Count ?? 0}");
            }

            return true;
        }

        return false;
    }

    /// <summary>The regular-container pass of printPod (walks the statuses from last to first, as upstream).</summary>
    private static void PrintContainers(V1PodStatus status, Counts counts, ref string reason)
    {
        var hasRunning = false;
        var statuses = status.ContainerStatuses ?? [];
        for (var i = statuses.Count - 1; i >= 0; i--)
        {
            var container = statuses[i];
            counts.Restarts += container.RestartCount;
            counts.LastRestart = Later(counts.LastRestart, container.LastState?.Terminated?.FinishedAt);
            var waiting = container.State?.Waiting;
            var terminated = container.State?.Terminated;
            if (!string.IsNullOrEmpty(waiting?.Reason))
            {
                reason = waiting.Reason;
            }
            else if (terminated is not null)
            {
                reason = TerminatedReason(terminated);
            }
            else if (container.Ready && container.State?.Running is not null)
            {
                hasRunning = true;
                counts.Ready++;
            }
        }

        if (reason == "Completed" && hasRunning)
        {
            reason = IsConditionTrue(status, "Ready") ? "Running" : "NotReady";
        }
    }

    private static string TerminatedReason(V1ContainerStateTerminated terminated)
    {
        if (!string.IsNullOrEmpty(terminated.Reason))
        {
            return terminated.Reason;
        }

        return terminated.Signal is { } signal && signal != 0
            ? string.Create(CultureInfo.InvariantCulture, $"Signal:{signal}")
            : string.Create(CultureInfo.InvariantCulture, $"ExitCode:{terminated.ExitCode}");
    }

    private static string ReadinessGates(V1PodSpec spec, V1PodStatus status)
    {
        if (spec.ReadinessGates is not { Count: > 0 } gates)
        {
            return "<none>";
        }

        var trueConditions = gates.Count(g => status.Conditions?.FirstOrDefault(c => c.Type == g.ConditionType)?.Status == "True");
        return string.Create(CultureInfo.InvariantCulture, $"{trueConditions}/{gates.Count}");
    }

    private static bool IsConditionTrue(V1PodStatus status, string type) =>
        status.Conditions?.FirstOrDefault(c => c.Type == type)?.Status == "True";

    private static DateTime? Later(DateTime? current, DateTime? candidate) =>
        candidate is { } c && c != default && (current is null || HumanDuration.AsUtc(c) > HumanDuration.AsUtc(current.Value)) ? c : current;

    private static string NoneIfEmpty(string? value) => string.IsNullOrEmpty(value) ? "<none>" : value;

    private sealed class Counts
    {
        public int Total { get; set; }
        public int Ready { get; set; }
        public int Restarts { get; set; }
        public int SidecarRestarts { get; set; }
        public DateTime? LastRestart { get; set; }
        public DateTime? LastSidecarRestart { get; set; }
    }
}

/// <summary>The pod <see cref="ITablePrinter"/>.</summary>
internal sealed class PodTablePrinter : ITablePrinter
{
    public IReadOnlyList<TableColumn> Columns => PodPrinter.Columns;

    public TableRow Print(IKubernetesObject<V1ObjectMeta> obj, DateTimeOffset now) => PodPrinter.Print((V1Pod)obj, now);
}
