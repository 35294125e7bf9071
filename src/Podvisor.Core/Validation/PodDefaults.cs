using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Core.Validation;

/// <summary>
/// The apiserver defaulting users see in <c>kubectl get pod -o yaml</c>. Mirrors pkg/apis/core/v1/defaults.go
/// (SetDefaults_Pod, _PodSpec, _Container, _Probe, _HTTPGetAction, _ContainerPort, _Volume, _HostPathVolumeSource, _ServiceAccountTokenProjection,
/// _ObjectFieldSelector) plus the priority admission defaults (priority 0, PreemptLowerPriority). Container
/// <c>restartPolicy</c> is never defaulted: it must stay unset unless the user set it (docs/lifecycle.md §2.1).
/// </summary>
public static class PodDefaults
{
    public const string DefaultNamespace = "default";
    public const long DefaultTerminationGracePeriodSeconds = 30;

    /// <summary>
    /// Fills the defaults into <paramref name="pod"/> in place. An empty namespace becomes "default" (what the API
    /// path takes from the request URL and kubectl from its context).
    /// </summary>
    public static void Apply(V1Pod pod)
    {
        pod.ApiVersion ??= "v1";
        pod.Kind ??= "Pod";
        pod.Metadata ??= new V1ObjectMeta();
        if (string.IsNullOrEmpty(pod.Metadata.NamespaceProperty))
        {
            pod.Metadata.NamespaceProperty = DefaultNamespace;
        }

        pod.Spec ??= new V1PodSpec();
        ApplySpec(pod.Spec);
    }

    /// <summary>
    /// Mirrors dropDisabledPodFields for the ContainerRestartRules gate (docs/lifecycle.md §1): with the gate off, restartPolicyRules are
    /// dropped silently unless the stored pod (<paramref name="oldPod"/>, on update) already uses them.
    /// </summary>
    public static void DropDisabledFields(V1Pod pod, V1Pod? oldPod, FeatureGates gates)
    {
        if (gates.ContainerRestartRules || PodValidationOptions.ContainerRestartRulesInUse(oldPod?.Spec) || pod.Spec is null)
        {
            return;
        }

        foreach (var c in (pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers ?? []))
        {
            c.RestartPolicyRules = null;
        }
    }

    private static void ApplySpec(V1PodSpec spec)
    {
        if (string.IsNullOrEmpty(spec.DnsPolicy))
        {
            spec.DnsPolicy = "ClusterFirst";
        }

        if (string.IsNullOrEmpty(spec.RestartPolicy))
        {
            spec.RestartPolicy = RestartPolicies.Always;
        }

        spec.SecurityContext ??= new V1PodSecurityContext();
        spec.TerminationGracePeriodSeconds ??= DefaultTerminationGracePeriodSeconds;
        if (string.IsNullOrEmpty(spec.SchedulerName))
        {
            spec.SchedulerName = "default-scheduler";
        }

        spec.EnableServiceLinks ??= true;
        spec.Priority ??= 0;
        spec.PreemptionPolicy ??= "PreemptLowerPriority";
        foreach (var volume in spec.Volumes ?? [])
        {
            ApplyVolume(volume);
        }

        foreach (var c in (spec.InitContainers ?? []).Concat(spec.Containers ?? []))
        {
            ApplyContainer(c, spec.HostNetwork == true);
        }

        foreach (var ec in spec.EphemeralContainers ?? [])
        {
            ec.TerminationMessagePath ??= "/dev/termination-log";
            ec.TerminationMessagePolicy ??= "File";
            ec.ImagePullPolicy ??= DefaultPullPolicy(ec.Image);
            ApplyContainerParts(ec.Ports, ec.Env, [ec.LivenessProbe, ec.ReadinessProbe, ec.StartupProbe], ec.Lifecycle, hostNetwork: false);
        }
    }

    /// <summary>
    /// Mirrors SetDefaults_Volume (no source means emptyDir), SetDefaults_HostPathVolumeSource (type "") and
    /// SetDefaults_ServiceAccountTokenProjection (expirationSeconds 3600) and SetDefaults_ObjectFieldSelector (apiVersion
    /// v1) for downwardAPI files.
    /// </summary>
    private static void ApplyVolume(V1Volume volume)
    {
        if (!VolumeValidation.SetSources(volume).Any())
        {
            volume.EmptyDir = new V1EmptyDirVolumeSource();
        }

        if (volume.HostPath is not null)
        {
            volume.HostPath.Type ??= "";
        }

        foreach (var token in (volume.Projected?.Sources ?? []).Select(s => s.ServiceAccountToken).OfType<V1ServiceAccountTokenProjection>())
        {
            token.ExpirationSeconds ??= 3600;
        }

        var downwardFiles = (volume.DownwardAPI?.Items ?? []).Concat((volume.Projected?.Sources ?? []).SelectMany(s => s.DownwardAPI?.Items ?? []));
        foreach (var fieldRef in downwardFiles.Select(f => f.FieldRef).OfType<V1ObjectFieldSelector>().Where(f => string.IsNullOrEmpty(f.ApiVersion)))
        {
            fieldRef.ApiVersion = "v1"; // SetDefaults_ObjectFieldSelector
        }
    }

    /// <summary>Mirrors SetDefaults_Container plus the per-container part of SetDefaults_Pod (requests from limits).</summary>
    private static void ApplyContainer(V1Container c, bool hostNetwork)
    {
        if (string.IsNullOrEmpty(c.TerminationMessagePath))
        {
            c.TerminationMessagePath = "/dev/termination-log";
        }

        if (string.IsNullOrEmpty(c.TerminationMessagePolicy))
        {
            c.TerminationMessagePolicy = "File";
        }

        if (string.IsNullOrEmpty(c.ImagePullPolicy))
        {
            c.ImagePullPolicy = DefaultPullPolicy(c.Image);
        }

        c.Resources ??= new V1ResourceRequirements();
        if (c.Resources.Limits is { Count: > 0 } limits)
        {
            c.Resources.Requests ??= new Dictionary<string, ResourceQuantity>();
            foreach (var (name, quantity) in limits.Where(l => !c.Resources.Requests.ContainsKey(l.Key)).ToList())
            {
                c.Resources.Requests[name] = quantity;
            }
        }

        ApplyContainerParts(c.Ports, c.Env, [c.LivenessProbe, c.ReadinessProbe, c.StartupProbe], c.Lifecycle, hostNetwork);
    }

    private static void ApplyContainerParts(
        IList<V1ContainerPort>? ports, IList<V1EnvVar>? env, V1Probe?[] probes, V1Lifecycle? lifecycle, bool hostNetwork)
    {
        foreach (var port in ports ?? [])
        {
            if (string.IsNullOrEmpty(port.Protocol))
            {
                port.Protocol = "TCP";
            }

            if (hostNetwork && (port.HostPort ?? 0) == 0)
            {
                port.HostPort = port.ContainerPort;
            }
        }

        foreach (var fieldRef in (env ?? []).Select(e => e.ValueFrom?.FieldRef).OfType<V1ObjectFieldSelector>())
        {
            if (string.IsNullOrEmpty(fieldRef.ApiVersion))
            {
                fieldRef.ApiVersion = "v1";
            }
        }

        foreach (var probe in probes.OfType<V1Probe>())
        {
            ApplyProbe(probe);
        }

        ApplyHttpGet(lifecycle?.PostStart?.HttpGet);
        ApplyHttpGet(lifecycle?.PreStop?.HttpGet);
    }

    /// <summary>Mirrors SetDefaults_Probe: a zero value counts as unset, as in Go.</summary>
    private static void ApplyProbe(V1Probe probe)
    {
        probe.TimeoutSeconds = probe.TimeoutSeconds is null or 0 ? 1 : probe.TimeoutSeconds;
        probe.PeriodSeconds = probe.PeriodSeconds is null or 0 ? 10 : probe.PeriodSeconds;
        probe.SuccessThreshold = probe.SuccessThreshold is null or 0 ? 1 : probe.SuccessThreshold;
        probe.FailureThreshold = probe.FailureThreshold is null or 0 ? 3 : probe.FailureThreshold;
        ApplyHttpGet(probe.HttpGet);
    }

    /// <summary>Mirrors SetDefaults_HTTPGetAction.</summary>
    private static void ApplyHttpGet(V1HTTPGetAction? http)
    {
        if (http is null)
        {
            return;
        }

        if (string.IsNullOrEmpty(http.Path))
        {
            http.Path = "/";
        }

        if (string.IsNullOrEmpty(http.Scheme))
        {
            http.Scheme = "HTTP";
        }
    }

    /// <summary>
    /// Mirrors the imagePullPolicy default: Always when the tag is "latest" (or there is neither tag nor digest, which
    /// means latest), otherwise IfNotPresent.
    /// </summary>
    public static string DefaultPullPolicy(string? image)
    {
        var reference = image ?? "";
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        var hasDigest = at >= 0;
        var name = hasDigest ? reference[..at] : reference;
        var lastSegment = name[(name.LastIndexOf('/') + 1)..];
        var colon = lastSegment.LastIndexOf(':');
        var tag = colon >= 0 ? lastSegment[(colon + 1)..] : hasDigest || reference.Length == 0 ? "" : "latest";
        return tag == "latest" ? PullPolicies.Always : PullPolicies.IfNotPresent;
    }
}
