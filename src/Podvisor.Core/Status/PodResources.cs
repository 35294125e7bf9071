using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Core.Status;

/// <summary>
/// Mirrors component-helpers resource.PodRequests / PodLimits (no overhead): regular containers and sidecars add up;
/// a regular init container runs alone beside the sidecars started before it, so the pod needs the larger of the
/// two. Pod-level resources, when set, replace the aggregate. Used for the pod status <c>resources</c> and
/// <c>allocatedResources</c> that 1.36 kubelets report (InPlacePodLevelResourcesVerticalScaling); Podvisor has no
/// cgroup values, so the status shows the allocated amounts.
/// </summary>
public static class PodResources
{
    public static V1ResourceRequirements Status(V1PodSpec spec)
    {
        var requests = Aggregate(spec, r => r.Requests);
        var limits = Aggregate(spec, r => r.Limits);
        return new V1ResourceRequirements
        {
            Requests = requests.Count > 0 ? requests : null,
            Limits = limits.Count > 0 ? limits : null,
        };
    }

    public static Dictionary<string, ResourceQuantity> Requests(V1PodSpec spec) => Aggregate(spec, r => r.Requests);

    private static Dictionary<string, ResourceQuantity> Aggregate(V1PodSpec spec, Func<V1ResourceRequirements, IDictionary<string, ResourceQuantity>?> select)
    {
        if (spec.Resources is not null && select(spec.Resources) is { Count: > 0 } podLevel)
        {
            return new Dictionary<string, ResourceQuantity>(podLevel);
        }

        var total = new Dictionary<string, ResourceQuantity>();
        foreach (var c in spec.ContainersOrEmpty())
        {
            Add(total, Of(c, select));
        }

        var sidecars = new Dictionary<string, ResourceQuantity>();
        var init = new Dictionary<string, ResourceQuantity>();
        foreach (var c in spec.InitContainersOrEmpty())
        {
            var own = Of(c, select);
            if (c.IsSidecar())
            {
                Add(total, own);
                Add(sidecars, own);
                Max(init, sidecars);
            }
            else
            {
                var alongside = new Dictionary<string, ResourceQuantity>(sidecars);
                Add(alongside, own);
                Max(init, alongside);
            }
        }

        Max(total, init);
        return total;
    }

    private static IDictionary<string, ResourceQuantity> Of(V1Container c, Func<V1ResourceRequirements, IDictionary<string, ResourceQuantity>?> select) =>
        (c.Resources is null ? null : select(c.Resources)) ?? new Dictionary<string, ResourceQuantity>();

    private static void Add(Dictionary<string, ResourceQuantity> into, IDictionary<string, ResourceQuantity> list)
    {
        foreach (var (name, quantity) in list)
        {
            into[name] = into.TryGetValue(name, out var existing)
                ? new ResourceQuantity(existing.ToDecimal() + quantity.ToDecimal(), 0, existing.Format)
                : quantity;
        }
    }

    private static void Max(Dictionary<string, ResourceQuantity> into, IDictionary<string, ResourceQuantity> list)
    {
        foreach (var (name, quantity) in list)
        {
            if (!into.TryGetValue(name, out var existing) || quantity.ToDecimal() > existing.ToDecimal())
            {
                into[name] = quantity;
            }
        }
    }
}
