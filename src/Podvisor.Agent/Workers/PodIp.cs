using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Agent.Workers;

internal static class PodIp
{
    /// <summary>status.podIP: the newest sandbox's IP (env fieldRefs, hooks and probes target it), the host's for hostNetwork pods.</summary>
    public static string Of(V1Pod pod, RuntimePodStatus runtime, string hostIp) =>
        pod.Spec.HostNetwork == true ? hostIp : runtime.PodIp ?? hostIp;
}
