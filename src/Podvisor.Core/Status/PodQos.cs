using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Core.Status;

/// <summary>
/// Mirrors pkg/apis/core/v1/helper/qos ComputePodQOS for cpu and memory (the only QoS compute resources): pod-level
/// resources when set, else the sum over init and regular containers. Ephemeral containers have no resources.
/// </summary>
public static class PodQos
{
    public const string BestEffort = "BestEffort";
    public const string Burstable = "Burstable";
    public const string Guaranteed = "Guaranteed";

    private static readonly string[] QosResources = ["cpu", "memory"];

    /// <summary>Mirrors GetPodQOS: the class already in the status wins, else it is computed.</summary>
    public static string Get(V1Pod pod, V1PodStatus? oldStatus) =>
        !string.IsNullOrEmpty(oldStatus?.QosClass) ? oldStatus.QosClass : Compute(pod.Spec);

    public static string Compute(V1PodSpec spec)
    {
        var requests = new Dictionary<string, decimal>();
        var limits = new Dictionary<string, decimal>();
        var isGuaranteed = true;

        IEnumerable<V1ResourceRequirements> sources = spec.Resources is not null
            ? [spec.Resources]
            : spec.ContainersOrEmpty().Concat(spec.InitContainersOrEmpty()).Select(c => c.Resources ?? new V1ResourceRequirements());
        foreach (var resources in sources)
        {
            Accumulate(resources.Requests, requests);
            var limitsFound = Accumulate(resources.Limits, limits);
            if (!QosResources.All(limitsFound.Contains))
            {
                isGuaranteed = false;
            }
        }

        if (requests.Count == 0 && limits.Count == 0)
        {
            return BestEffort;
        }

        isGuaranteed = isGuaranteed
            && requests.All(r => limits.TryGetValue(r.Key, out var limit) && limit == r.Value)
            && requests.Count == limits.Count;
        return isGuaranteed ? Guaranteed : Burstable;
    }

    /// <summary>Adds the positive cpu/memory quantities to <paramref name="total"/>; returns the names found.</summary>
    private static HashSet<string> Accumulate(IDictionary<string, ResourceQuantity>? list, Dictionary<string, decimal> total)
    {
        var found = new HashSet<string>();
        foreach (var (name, quantity) in list ?? new Dictionary<string, ResourceQuantity>())
        {
            if (!QosResources.Contains(name) || quantity is null)
            {
                continue;
            }

            var value = quantity.ToDecimal();
            if (value > 0)
            {
                found.Add(name);
                total[name] = total.GetValueOrDefault(name) + value;
            }
        }

        return found;
    }
}
