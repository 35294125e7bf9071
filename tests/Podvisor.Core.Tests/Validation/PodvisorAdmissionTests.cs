using Podvisor.Core.Validation;
using static Podvisor.Core.Tests.Validation.TestPods;

namespace Podvisor.Core.Tests.Validation;

public class PodvisorAdmissionTests
{
    private static List<string> Errors(string spec) =>
        PodvisorAdmission.Validate(FromYaml($"apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n{spec}")).Select(e => e.ToString()).ToList();

    [Fact]
    public void APodWithCommandsAndLocalVolumesIsAdmitted() =>
        Assert.Empty(Errors("  volumes: [{name: a, emptyDir: {}}, {name: b, hostPath: {path: /tmp}}]\n  containers:\n  - {name: app, image: i, command: [sleep], env: [{name: X, value: y}, {name: P, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]}\n"));

    [Fact]
    public void ContainersWithoutCommandOrArgsAreRejectedWithTheReason()
    {
        var errs = Errors("  initContainers:\n  - {name: init, image: i}\n  containers:\n  - {name: app, image: i}\n  - {name: ok, image: i, command: [x]}\n");
        Assert.Equal(
        [
            "spec.initContainers[0].command: Required value: podvisor runs containers as host processes and cannot read an image's entrypoint; set command or args",
            "spec.containers[0].command: Required value: podvisor runs containers as host processes and cannot read an image's entrypoint; set command or args",
        ], errs);
    }

    [Fact]
    public void AContainerWithOnlyArgsIsAdmitted() =>
        Assert.Empty(Errors("  containers:\n  - {name: app, image: busybox, args: [/bin/sh, -c, echo hi]}\n"));

    [Fact]
    public void AnImageRuntimeAdmitsContainersWithoutCommand()
    {
        var pod = FromYaml("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  initContainers:\n  - {name: init, image: i}\n  containers:\n  - {name: app, image: i, args: [x]}\n");

        Assert.Empty(PodvisorAdmission.Validate(pod, runsImages: true));
    }

    [Theory]
    [InlineData("configMap: {name: c}")]
    [InlineData("secret: {secretName: s}")]
    [InlineData("projected: {sources: []}")]
    [InlineData("downwardAPI: {items: []}")]
    public void VolumesTheAgentWritesFromAPIObjectsAreAdmitted(string source) =>
        Assert.Empty(Errors($"  volumes: [{{name: v, {source}}}]\n  containers:\n  - {{name: app, image: i, command: [x]}}\n"));

    [Theory]
    [InlineData("persistentVolumeClaim: {claimName: c}", "persistentVolumeClaim")]
    [InlineData("nfs: {server: s, path: /p}", "nfs")]
    [InlineData("csi: {driver: d}", "csi")]
    [InlineData("image: {reference: busybox}", "image")]
    public void OtherVolumeSourcesAreForbidden(string source, string field) =>
        Assert.Equal([$"spec.volumes[0].{field}: Forbidden: podvisor supports only emptyDir, hostPath, configMap, secret, downwardAPI and projected volumes"],
            Errors($"  volumes: [{{name: v, {source}}}]\n  containers:\n  - {{name: app, image: i, command: [x]}}\n"));

    [Fact]
    public void ConfigAndSecretEnvSourcesAreAdmittedAndFileKeysAndDevicesForbidden()
    {
        var errs = Errors("  containers:\n  - {name: app, image: i, command: [x], envFrom: [{configMapRef: {name: c}}, {secretRef: {name: s}}], env: [{name: A, valueFrom: {secretKeyRef: {name: s, key: k}}}, {name: B, valueFrom: {configMapKeyRef: {name: c, key: k}}}, {name: C, valueFrom: {fileKeyRef: {volumeName: v, path: p, key: k}}}], volumeDevices: [{name: d, devicePath: /dev/x}]}\n");
        Assert.Equal(
        [
            "spec.containers[0].env[2].valueFrom.fileKeyRef: Forbidden: podvisor does not support fileKeyRef",
            "spec.containers[0].volumeDevices: Forbidden: podvisor does not support block volumeDevices",
        ], errs);
    }

    [Fact]
    public void AdmissionRendersLikeValidation()
    {
        var errs = PodvisorAdmission.Validate(FromYaml("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - {name: app, image: nginx}\n"));
        Assert.Equal("The Pod \"web\" is invalid: spec.containers[0].command: Required value: podvisor runs containers as host processes and cannot read an image's entrypoint; set command or args",
            errs.ToInvalidMessage("Pod", "web"));
        Assert.Equal("FieldValueRequired", errs[0].Reason);
    }
}
