using Podvisor.E2E.Tests.Api;

namespace Podvisor.E2E.Tests.Serve;

/// <summary>
/// ConfigMaps and Secrets against serve, with real kubectl and real processes: a missing ConfigMap is the kubelet's
/// CreateContainerConfigError and the pod starts once <c>kubectl create configmap/secret</c> made the objects; volumes
/// hold their keys and follow a changed ConfigMap.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class ConfigObjectTests
{
    private const string Pod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: configured}
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: busybox
            command: [sh, -c, 'echo "mode=$MODE level=$level user=$DB_user password=$PASSWORD"']
            envFrom:
            - configMapRef: {name: settings}
            - {prefix: DB_, secretRef: {name: creds}}
            env:
            - {name: MODE, valueFrom: {configMapKeyRef: {name: settings, key: mode}}}
            - {name: PASSWORD, valueFrom: {secretKeyRef: {name: creds, key: password}}}
            - {name: OPTIONAL, valueFrom: {configMapKeyRef: {name: absent, key: x, optional: true}}}
        """;

    private const string Objects = """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings}
        data: {mode: fast, level: "3"}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: creds}
        stringData: {user: admin, password: s3cret}
        """;

    /// <summary>Prints its config file whenever it changes, and the mode of its secret file once.</summary>
    private const string Reader = """
        apiVersion: v1
        kind: Pod
        metadata: {name: reader}
        spec:
          containers:
          - name: main
            image: busybox
            command: [sh, -c]
            args:
            - |
              echo "secret $(cat /etc/creds/user) mode $(stat -L -c %a /etc/creds/user)"
              last=""
              while true; do
                now="$(cat /etc/app/mode)"
                if [ "$now" != "$last" ]; then echo "mode $now"; last="$now"; fi
                sleep 0.1
              done
            volumeMounts:
            - {name: app, mountPath: /etc/app}
            - {name: creds, mountPath: /etc/creds}
          volumes:
          - {name: app, configMap: {name: settings}}
          - {name: creds, secret: {secretName: creds}}
        """;

    public static TheoryData<string> Versions => new(Kubectl.Versions);

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task APodWaitsForItsConfigMapAndSecretThenRunsWithTheirValues(string version)
    {
        await using var h = await ServeHarness.StartAsync();
        var k = h.Kubectl(version);
        await k.RunWithInputAsync(Pod, "apply", "-f", "-");
        using var watch = await h.WatchPodAsync("configured");
        var waiting = await watch.WaitAsync(
            p => p.Status?.ContainerStatuses?.SingleOrDefault()?.State?.Waiting?.Reason == "CreateContainerConfigError",
            "CreateContainerConfigError");
        Assert.Equal("configmap \"settings\" not found", waiting.Status.ContainerStatuses.Single().State.Waiting.Message);
        Assert.Contains("CreateContainerConfigError", await k.OkAsync("get", "pod", "configured"));

        // kubectl create sends these as protobuf.
        var file = Path.Combine(h.Root, "level");
        await File.WriteAllTextAsync(file, "3");
        Assert.Equal("configmap/settings created\n", await k.OkAsync("create", "configmap", "settings", "--from-literal=mode=fast", $"--from-file={file}"));
        Assert.Equal("secret/creds created\n", await k.OkAsync("create", "secret", "generic", "creds", "--from-literal=user=admin", "--from-literal=password=s3cret"));
        Assert.Matches(@"^NAME +DATA +AGE\nkube-root-ca.crt +1 +\d+s\nsettings +2 +\d+s\n$", await k.OkAsync("get", "configmaps"));
        Assert.Matches(@"^NAME +TYPE +DATA +AGE\ncreds +Opaque +2 +\d+s\n$", await k.OkAsync("get", "secrets"));
        await watch.WaitAsync(p => p.Status?.Phase == "Succeeded", "phase Succeeded");

        Assert.Equal("mode=fast level=3 user=admin password=s3cret\n", await k.OkAsync("logs", "configured"));
        await h.StopAsync();
    }

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task ConfigMapAndSecretVolumesHoldTheirKeysAndAChangedConfigMapReachesTheRunningPod(string version)
    {
        await using var h = await ServeHarness.StartAsync();
        var k = h.Kubectl(version);
        await k.RunWithInputAsync(Objects, "apply", "-f", "-");
        await k.RunWithInputAsync(Reader, "apply", "-f", "-");
        await k.OkAsync("wait", "--for=condition=Ready", "pod/reader", "--timeout=30s");
        using var logs = k.Stream("logs", "-f", "reader");
        await logs.WaitForLineAsync(l => l == "secret admin mode 644", "the secret file, mode 0644");
        await logs.WaitForLineAsync(l => l == "mode fast", "the ConfigMap's value");

        await k.RunWithInputAsync(Objects.Replace("mode: fast", "mode: slow", StringComparison.Ordinal), "apply", "-f", "-");
        await logs.WaitForLineAsync(l => l == "mode slow", "the changed value in the mounted file");
        await h.StopAsync();
    }
}
