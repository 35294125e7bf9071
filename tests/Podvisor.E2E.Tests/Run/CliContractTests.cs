using Podvisor.Core.Model;
using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Run;

/// <summary>
/// docs/contracts.md §1 through the real CLI: exit statuses 0/1/2/3 (130 after SIGINT: see RunOutputTests), the kube-apiserver
/// style messages on stderr for invalid input and options (and nothing run), the final objects printed after a timeout
/// or SIGTERM, <c>run --help</c>, <c>validate</c> and <c>version</c>.
/// </summary>
public sealed class CliContractTests : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("podvisor-e2e-manifests-");

    private string Manifest(string name, string yaml)
    {
        var path = Path.Combine(_scratch.FullName, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private string Marker => Path.Combine(_scratch.FullName, "ran");

    private string InvalidPod => Manifest("invalid.yaml", $$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: bad}
        spec:
          containers:
          - name: c
            image: busybox
            command: ["touch", "{{Marker}}"]
            restartPolicy: Sometimes
        """);

    [Fact]
    public async Task InvalidManifestExits2WithTheApiserverMessageAndRunsNothing()
    {
        var path = InvalidPod;
        await using var cli = PodvisorCli.Start("run", path, "-o", "json");
        var result = await cli.WaitForExitAsync();

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"{path}: The Pod \"bad\" is invalid: spec.containers[0].restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"Never\", \"OnFailure\"\n", result.Stderr);
        Assert.Empty(result.Stdout);
        Assert.False(File.Exists(Marker), "nothing may run for an invalid manifest");
        Assert.Empty(Directory.EnumerateFileSystemEntries(cli.TempDir));
    }

    [Fact]
    public async Task AnnouncementOnExitKeyExits2WithAHint()
    {
        var path = Manifest("onexit.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: onexit}
            spec:
              containers:
              - name: c
                image: busybox
                command: ["true"]
                restartPolicy: Never
                restartPolicyRules:
                - action: RestartAllContainers
                  onExit:
                    exitCodes: {operator: In, values: [88]}
            """);

        var result = await PodvisorCli.RunAsync("run", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{path}: document 1: line 12: unknown field \"spec.containers[0].restartPolicyRules[0].onExit\"", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("the v1.35 announcement's onExit key does not exist; use exitCodes directly under the rule", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NonPodKindExits2()
    {
        var path = Manifest("deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n");

        var result = await PodvisorCli.RunAsync("run", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{path}: document 1: line 1: kind \"Deployment\" is not supported; podvisor runs v1 Pods", result.Stderr, StringComparison.Ordinal);
    }

    /// <summary>docs/contracts.md §1: the file may also hold the ConfigMaps and Secrets its pods use (env and volumes).</summary>
    [Fact]
    public async Task ConfigMapsAndSecretsInTheFileReachThePodsEnvAndVolumes()
    {
        var path = Manifest("configured.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings}
            data: {mode: fast, app.conf: "threads=4"}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: creds}
            stringData: {token: abc123}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: app}
            spec:
              restartPolicy: Never
              containers:
              - name: main
                image: busybox
                command: [sh, -c, 'echo "mode=$MODE token=$(cat /etc/creds/token) $(cat /etc/app/app.conf)"']
                env: [{name: MODE, valueFrom: {configMapKeyRef: {name: settings, key: mode}}}]
                volumeMounts: [{name: app, mountPath: /etc/app}, {name: creds, mountPath: /etc/creds}]
              volumes:
              - {name: app, configMap: {name: settings}}
              - {name: creds, secret: {secretName: creds}}
            """);

        var result = await PodvisorCli.RunAsync("run", path);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("app/main | mode=fast token=abc123 threads=4\n", result.Stderr, StringComparison.Ordinal);
        var validate = await PodvisorCli.RunAsync("validate", path);
        Assert.Equal("pod/app valid\nconfigmap/settings valid\nsecret/creds valid\n", validate.Stdout);
    }

    [Fact]
    public async Task AnInvalidConfigMapExits2WithTheApiserverMessage()
    {
        var path = Manifest("bad-configmap.yaml", $$"""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings}
            data: {"bad/key": x}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: app}
            spec:
              containers: [{name: main, image: busybox, command: ["touch", "{{Marker}}"]}]
            """);

        var result = await PodvisorCli.RunAsync("run", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{path}: The ConfigMap \"settings\" is invalid: data[bad/key]: Invalid value: \"bad/key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.'", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Marker));
    }

    [Fact]
    public async Task MalformedYamlExits2WithTheLine()
    {
        var path = Manifest("malformed.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: c\n   image: [\n");

        var result = await PodvisorCli.RunAsync("run", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{path}: document 1: invalid YAML at line 8", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--timeout", "5", "invalid duration \"5\"")]
    [InlineData("--output", "xml", "Argument 'xml' not recognized. Must be one of:")]
    [InlineData("--container-log-max-files", "1", "invalid configuration: containerLogMaxFiles (--container-log-max-files) 1 must be greater than 1")]
    [InlineData("--container-log-max-size", "ten", "invalid size \"ten\": expected a quantity such as 10Mi")]
    public async Task InvalidOptionsExit2AsInvalidInputDoesAndRunNothing(string option, string value, string message)
    {
        var path = Manifest("touch.yaml", $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: touch}
            spec:
              containers: [{name: c, image: busybox, command: ["touch", "{{Marker}}"]}]
            """);

        var result = await PodvisorCli.RunAsync("run", path, option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
        Assert.EndsWith("Run 'podvisor run --help' for usage.\n", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Marker), "nothing may run for invalid options");
    }

    [Fact]
    public async Task RunHelpDocumentsTheExitStatuses()
    {
        var result = await PodvisorCli.RunAsync("run", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Exit status: 0 every pod Succeeded; 1 some pod Failed; 2 invalid input or options (nothing run);", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("3 the timeout passed; 130 interrupted by SIGINT (Ctrl-C).", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TimeoutDeletesThePodGracefullyExits3AndPrintsTheFinalObjects()
    {
        var path = Manifest("sleeper.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: sleeper}
            spec:
              containers: [{name: c, image: busybox, command: ["sleep", "3600"]}]
            """);

        var result = await PodvisorCli.RunAsync("run", path, "--timeout", "2s", "-o", "json");

        Assert.True(result.ExitCode == 3, $"exit {result.ExitCode}; stderr:\n{result.Stderr}");
        var list = PodList.Parse(result.Stdout);
        var pod = list.Pod("sleeper");
        Assert.True(PodPhases.IsTerminal(pod.Status.Phase), pod.Status.Describe());
        if (list.EventsWith(EventReasons.Started, "c").Any())
        {
            // Unless the machine was too slow to start it within 2 s, the container was stopped gracefully.
            Assert.Equal(143, pod.Status.Container("c").State.Terminated?.ExitCode);
            Assert.Contains(list.EventsWith(EventReasons.Killing, "c"), e => e.Message == "Stopping container c");
        }
    }

    [Fact]
    public async Task TimeoutExits3EvenWhenThePodsSucceedOnTheirWayOut()
    {
        var path = Manifest("graceful.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: graceful}
            spec:
              containers: [{name: c, image: busybox, command: ["/bin/sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"]}]
            """);

        // Long enough for the container to be running (and so exit 0 on SIGTERM) even on a busy machine.
        var result = await PodvisorCli.RunAsync("run", path, "--timeout", "10s", "-o", "json");

        Assert.True(result.ExitCode == 3, $"exit {result.ExitCode}; stderr:\n{result.Stderr}");
        Assert.Equal(PodPhases.Succeeded, PodList.Parse(result.Stdout).Pod("graceful").Status.Phase);
    }

    [Fact]
    public async Task FailingPodExits1()
    {
        var path = Manifest("failing.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: failing}
            spec:
              restartPolicy: Never
              containers: [{name: c, image: busybox, command: ["/bin/sh", "-c", "exit 7"]}]
            """);

        var result = await PodvisorCli.RunAsync("run", path, "-o", "json");

        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}; stderr:\n{result.Stderr}");
        var pod = PodList.Parse(result.Stdout).Pod("failing");
        Assert.Equal(PodPhases.Failed, pod.Status.Phase);
        Assert.Equal(7, pod.Status.Container("c").State.Terminated?.ExitCode);
    }

    [Fact]
    public async Task SeveralPodsOneFailingExit1AndYamlOutputListsThePodsByNameThenTheirEvents()
    {
        var path = Manifest("two.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: b-succeeds}
            spec:
              restartPolicy: Never
              containers: [{name: c, image: busybox, command: ["true"]}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: a-fails}
            spec:
              restartPolicy: Never
              containers: [{name: c, image: busybox, command: ["false"]}]
            """);

        var result = await PodvisorCli.RunAsync("run", path, "-o", "yaml");

        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}; stderr:\n{result.Stderr}");
        var list = new YamlDotNet.Serialization.Deserializer().Deserialize<Dictionary<string, object>>(result.Stdout);
        Assert.Equal(("v1", "List"), (list["apiVersion"], list["kind"]));
        var items = ((List<object>)list["items"]).Cast<Dictionary<object, object>>().ToList();
        Assert.Equal(["Pod", "Pod"], items.Take(2).Select(i => i["kind"]));
        Assert.All(items.Skip(2), i => Assert.Equal("Event", i["kind"]));
        Assert.Equal(["a-fails", "b-succeeds"], items.Take(2).Select(i => ((Dictionary<object, object>)i["metadata"])["name"]));
        Assert.Equal([PodPhases.Failed, PodPhases.Succeeded], items.Take(2).Select(i => ((Dictionary<object, object>)i["status"])["phase"]));
    }

    [Fact]
    public async Task SigtermDeletesThePodGracefullyAndExits()
    {
        var path = Manifest("sigterm.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: sigterm}
            spec:
              containers: [{name: c, image: busybox, command: ["sleep", "3600"]}]
            """);
        await using var cli = PodvisorCli.Start("run", path, "-o", "json");
        await cli.WaitForStderrLineAsync(l => l.EndsWith(" default/sigterm container c: Running (restarts 0)", StringComparison.Ordinal), "container c Running");

        cli.Signal(Native.SIGTERM);
        var result = await cli.WaitForExitAsync();

        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}; stderr:\n{result.Stderr}");
        var list = PodList.Parse(result.Stdout);
        var pod = list.Pod("sigterm");
        Assert.Equal(PodPhases.Failed, pod.Status.Phase);
        Assert.Equal(143, pod.Status.Container("c").State.Terminated?.ExitCode);
        Assert.Contains(list.EventsWith(EventReasons.Killing, "c"), e => e.Message == "Stopping container c");
        Assert.Empty(Directory.EnumerateFileSystemEntries(cli.TempDir));
    }

    [Fact]
    public async Task ValidateExits0ForAValidPodAnd2ForAnInvalidOne()
    {
        var valid = Manifest("valid.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  containers: [{name: c, image: busybox, command: [\"true\"]}]\n");

        var ok = await PodvisorCli.RunAsync("validate", valid);
        var bad = await PodvisorCli.RunAsync("validate", InvalidPod);

        Assert.Equal((0, "pod/ok valid\n", ""), (ok.ExitCode, ok.Stdout, ok.Stderr));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("The Pod \"bad\" is invalid: spec.containers[0].restartPolicy: Unsupported value: \"Sometimes\"", bad.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Marker));
    }

    [Fact]
    public async Task VersionNamesTheKubernetesSemantics()
    {
        var result = await PodvisorCli.RunAsync("version");

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^podvisor \d+\.\d+\.\d+\nkubernetes semantics: v1\.36\.0\ndefault feature gates: ContainerRestartRules=True,RestartAllContainersOnContainerExits=True\n$", result.Stdout);
    }

    public void Dispose() => _scratch.Delete(recursive: true);
}
