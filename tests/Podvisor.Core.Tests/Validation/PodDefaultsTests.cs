using k8s;
using k8s.Models;
using Podvisor.Core.Validation;

namespace Podvisor.Core.Tests.Validation;

/// <summary>pkg/apis/core/v1/defaults.go as kubectl users see it.</summary>
public class PodDefaultsTests
{
    private static V1Pod Defaulted(string spec)
    {
        var pod = KubernetesYaml.Deserialize<V1Pod>($"apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n{spec}");
        PodDefaults.Apply(pod);
        return pod;
    }

    private const string Simple = "  containers:\n  - {name: app, image: busybox, command: [sleep, '1']}\n";

    [Fact]
    public void PodLevelDefaults()
    {
        var pod = Defaulted(Simple);
        Assert.Equal("default", pod.Metadata.NamespaceProperty);
        Assert.Equal("Always", pod.Spec.RestartPolicy);
        Assert.Equal(30, pod.Spec.TerminationGracePeriodSeconds);
        Assert.Equal("ClusterFirst", pod.Spec.DnsPolicy);
        Assert.Equal("default-scheduler", pod.Spec.SchedulerName);
        Assert.NotNull(pod.Spec.SecurityContext);
        Assert.True(pod.Spec.EnableServiceLinks);
        Assert.Equal(0, pod.Spec.Priority);
        Assert.Equal("PreemptLowerPriority", pod.Spec.PreemptionPolicy);
    }

    [Fact]
    public void ATokenProjectionLastsAnHourUnlessItSaysOtherwise()
    {
        var pod = Defaulted("  volumes:\n  - {name: t, projected: {sources: [{serviceAccountToken: {path: a}}, {serviceAccountToken: {path: b, expirationSeconds: 900}}]}}\n" + Simple);
        Assert.Equal([3600L, 900L], pod.Spec.Volumes[0].Projected.Sources.Select(s => s.ServiceAccountToken.ExpirationSeconds!.Value));
    }

    [Fact]
    public void DownwardAPIFilesDefaultTheirFieldRefApiVersion()
    {
        var pod = Defaulted("  volumes:\n  - {name: d, downwardAPI: {items: [{path: n, fieldRef: {fieldPath: metadata.name}}]}}\n  - {name: p, projected: {sources: [{downwardAPI: {items: [{path: l, fieldRef: {fieldPath: metadata.labels}}]}}]}}\n" + Simple);
        Assert.Equal("v1", pod.Spec.Volumes[0].DownwardAPI.Items[0].FieldRef.ApiVersion);
        Assert.Equal("v1", pod.Spec.Volumes[1].Projected.Sources[0].DownwardAPI.Items[0].FieldRef.ApiVersion);
    }

    [Fact]
    public void ContainerDefaultsAndNoContainerRestartPolicy()
    {
        var c = Defaulted(Simple).Spec.Containers[0];
        Assert.Equal("/dev/termination-log", c.TerminationMessagePath);
        Assert.Equal("File", c.TerminationMessagePolicy);
        Assert.Equal("Always", c.ImagePullPolicy);
        Assert.NotNull(c.Resources);
        Assert.Null(c.RestartPolicy);
        Assert.Null(c.RestartPolicyRules);
    }

    [Fact]
    public void ExplicitValuesAreKept()
    {
        var pod = Defaulted("  restartPolicy: Never\n  terminationGracePeriodSeconds: 5\n  dnsPolicy: Default\n  containers:\n  - {name: app, image: busybox, imagePullPolicy: Never, terminationMessagePolicy: FallbackToLogsOnError, restartPolicy: OnFailure}\n");
        Assert.Equal("Never", pod.Spec.RestartPolicy);
        Assert.Equal(5, pod.Spec.TerminationGracePeriodSeconds);
        Assert.Equal("Default", pod.Spec.DnsPolicy);
        Assert.Equal("Never", pod.Spec.Containers[0].ImagePullPolicy);
        Assert.Equal("FallbackToLogsOnError", pod.Spec.Containers[0].TerminationMessagePolicy);
        Assert.Equal("OnFailure", pod.Spec.Containers[0].RestartPolicy);
    }

    [Theory]
    [InlineData("busybox", "Always")]
    [InlineData("busybox:latest", "Always")]
    [InlineData("busybox:1.36", "IfNotPresent")]
    [InlineData("registry.local:5000/busybox", "Always")]
    [InlineData("registry.local:5000/busybox:v2", "IfNotPresent")]
    [InlineData("registry.local:5000/team/busybox:latest", "Always")]
    [InlineData("busybox@sha256:0123456789abcdef", "IfNotPresent")]
    [InlineData("busybox:1.36@sha256:0123456789abcdef", "IfNotPresent")]
    [InlineData("", "IfNotPresent")]
    public void ImagePullPolicyFollowsTheTag(string image, string expected) => Assert.Equal(expected, PodDefaults.DefaultPullPolicy(image));

    [Fact]
    public void ProbeDefaults()
    {
        var pod = Defaulted("  containers:\n  - {name: app, image: i, livenessProbe: {httpGet: {port: 80}}, readinessProbe: {exec: {command: [a]}, successThreshold: 0, periodSeconds: 3}}\n");
        var live = pod.Spec.Containers[0].LivenessProbe;
        Assert.Equal((1, 10, 1, 3), (live.TimeoutSeconds, live.PeriodSeconds, live.SuccessThreshold, live.FailureThreshold));
        Assert.Equal(("/", "HTTP"), (live.HttpGet.Path, live.HttpGet.Scheme));
        var ready = pod.Spec.Containers[0].ReadinessProbe;
        Assert.Equal((1, 3, 1, 3), (ready.TimeoutSeconds, ready.PeriodSeconds, ready.SuccessThreshold, ready.FailureThreshold));
    }

    [Fact]
    public void LifecycleHttpAndPortsAndEnvDefaults()
    {
        var pod = Defaulted("  initContainers:\n  - {name: side, image: i, restartPolicy: Always, lifecycle: {preStop: {httpGet: {port: 80}}}, ports: [{containerPort: 53}], env: [{name: P, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]}\n" + Simple);
        var side = pod.Spec.InitContainers[0];
        Assert.Equal(("/", "HTTP"), (side.Lifecycle.PreStop.HttpGet.Path, side.Lifecycle.PreStop.HttpGet.Scheme));
        Assert.Equal("TCP", side.Ports[0].Protocol);
        Assert.Equal("v1", side.Env[0].ValueFrom.FieldRef.ApiVersion);
        Assert.Equal("Always", side.RestartPolicy);
    }

    [Fact]
    public void HostNetworkCopiesContainerPortsToHostPorts()
    {
        var pod = Defaulted("  hostNetwork: true\n  containers:\n  - {name: app, image: i, ports: [{containerPort: 8080}]}\n");
        Assert.Equal(8080, pod.Spec.Containers[0].Ports[0].HostPort);
    }

    [Fact]
    public void VolumeDefaults()
    {
        var pod = Defaulted("  volumes:\n  - {name: a}\n  - {name: b, emptyDir: {}}\n  - {name: c, hostPath: {path: /tmp}}\n" + Simple);
        Assert.NotNull(pod.Spec.Volumes[0].EmptyDir);
        Assert.NotNull(pod.Spec.Volumes[1].EmptyDir);
        Assert.Equal("", pod.Spec.Volumes[2].HostPath.Type);
        Assert.Contains("\"emptyDir\":{}", KubernetesJson.Serialize(pod.Spec.Volumes[1]));
    }

    [Fact]
    public void RequestsDefaultToLimits()
    {
        var pod = Defaulted("  containers:\n  - {name: app, image: i, resources: {limits: {cpu: 500m, memory: 1Gi}, requests: {cpu: 100m}}}\n");
        var requests = pod.Spec.Containers[0].Resources.Requests;
        Assert.Equal("100m", requests["cpu"].ToString());
        Assert.Equal("1Gi", requests["memory"].ToString());
    }

    [Fact]
    public void DefaultingIsIdempotent()
    {
        var pod = Defaulted(Simple);
        var once = KubernetesJson.Serialize(pod);
        PodDefaults.Apply(pod);
        Assert.Equal(once, KubernetesJson.Serialize(pod));
    }

    [Fact]
    public void ADefaultedMinimalPodIsValid() => Assert.Empty(PodValidator.ValidateCreate(Defaulted(Simple), FeatureGates.Default));
}
