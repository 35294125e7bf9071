using CsCheck;
using Podvisor.Core.Serialization;

namespace Podvisor.Core.Tests.Serialization;

public class ManifestReaderTests
{
    private const string PodYaml = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          restartPolicy: Never
          containers:
          - name: app
            image: busybox
            command: ["sh", "-c", "exit 42"]
            restartPolicy: Never
            restartPolicyRules:
            - action: RestartAllContainers
              exitCodes:
                operator: In
                values: [42]
        """;

    /// <summary>The v1.35 announcement's YAML, with the non-existent onExit key (docs/lifecycle.md §2.1, §14).</summary>
    private const string AnnouncementYaml = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: ml-worker
        spec:
          restartPolicy: Never
          initContainers:
          - name: setup
            image: busybox
            command: ["true"]
          - name: watcher
            image: busybox
            command: ["sleep", "infinity"]
            restartPolicy: Always
            restartPolicyRules:
            - action: RestartAllContainers
              onExit:
                exitCodes:
                  operator: In
                  values: [88]
          containers:
          - name: worker
            image: busybox
            command: ["sleep", "infinity"]
        """;

    private static List<string> Errors(string text, string source = "pod.yaml") =>
        ManifestReader.Read(text, source).Errors.Select(e => e.ToString()).ToList();

    [Fact]
    public void ReadsAPodWithRestartRules()
    {
        var result = ManifestReader.Read(PodYaml, "pod.yaml");
        Assert.True(result.IsValid, result.ErrorText);
        var pod = Assert.Single(result.Pods);
        Assert.Equal("web", pod.Metadata.Name);
        var rule = Assert.Single(pod.Spec.Containers[0].RestartPolicyRules);
        Assert.Equal("RestartAllContainers", rule.Action);
        Assert.Equal("In", rule.ExitCodes.OperatorProperty);
        Assert.Equal([42], rule.ExitCodes.Values);
    }

    [Fact]
    public void AnnouncementOnExitKeyIsAnUnknownFieldWithAHint()
    {
        var errs = Errors(AnnouncementYaml);
        Assert.Equal(
            ["pod.yaml: document 1: line 17: unknown field \"spec.initContainers[1].restartPolicyRules[0].onExit\" (the v1.35 announcement's onExit key does not exist; use exitCodes directly under the rule)"],
            errs);
        Assert.Empty(ManifestReader.Read(AnnouncementYaml, "pod.yaml").Pods);
    }

    [Fact]
    public void KepWhenKeyGetsAHintToo()
    {
        var yaml = PodYaml.Replace("      exitCodes:\n        operator: In\n        values: [42]", "      when:\n        exitCodes: {operator: In, values: [42]}", StringComparison.Ordinal);
        var errs = Errors(yaml);
        Assert.Single(errs);
        Assert.EndsWith("unknown field \"spec.containers[0].restartPolicyRules[0].when\" (KEP-5307's when key does not exist; use exitCodes directly under the rule)", errs[0]);
    }

    public static TheoryData<string, string[]> UnknownFieldCases => new()
    {
        { "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: i}]\n  restartpolicy: Never\n", ["p.yaml: document 1: line 6: unknown field \"spec.restartpolicy\""] },
        { "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labelz: {a: b}}\nspec:\n  containers: [{name: a, image: i}]\n", ["p.yaml: document 1: line 3: unknown field \"metadata.labelz\""] },
        { "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: i\n    comand: [x]\n", ["p.yaml: document 1: line 8: unknown field \"spec.containers[0].comand\""] },
        { "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: i\n  - name: b\n    image: i\n    ports: [{containerPort: 80, hostport: 80}]\n", ["p.yaml: document 1: line 10: unknown field \"spec.containers[1].ports[0].hostport\""] },
        { "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: i\n    livenessProbe: {httpGet: {port: 80, paht: /}}\n", ["p.yaml: document 1: line 8: unknown field \"spec.containers[0].livenessProbe.httpGet.paht\""] },
        { "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  volumes: [{name: v, emptyDir: {size: 1Gi}}]\n  containers: [{name: a, image: i}]\n", ["p.yaml: document 1: line 5: unknown field \"spec.volumes[0].emptyDir.size\""] },
        { "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: i, x: 1, y: 2}]\nstatus2: {}\n", ["p.yaml: document 1: line 5: unknown field \"spec.containers[0].x\"", "p.yaml: document 1: line 5: unknown field \"spec.containers[0].y\"", "p.yaml: document 1: line 6: unknown field \"status2\""] },
        { "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: i\n    restartPolicyRules:\n    - action: Restart\n      exitCodes: {operator: In, values: [1], extra: true}\n", ["p.yaml: document 1: line 10: unknown field \"spec.containers[0].restartPolicyRules[0].exitCodes.extra\""] },
    };

    [Theory]
    [MemberData(nameof(UnknownFieldCases))]
    public void UnknownFieldsAreNamedByFullPath(string yaml, string[] expected) => Assert.Equal(expected, Errors(yaml, "p.yaml"));

    [Fact]
    public void LabelsAndResourcesAcceptAnyKeys()
    {
        var yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {anything: goes, 'example.com/x': y}, annotations: {note: hi}}\nspec:\n  nodeSelector: {disk: ssd}\n  containers: [{name: a, image: i, resources: {limits: {cpu: 500m, memory: 1Gi, nvidia.com/gpu: 1}, requests: {cpu: 0.1}}}]\n";
        var result = ManifestReader.Read(yaml, "p.yaml");
        Assert.True(result.IsValid, result.ErrorText);
        Assert.Equal("500m", result.Pods[0].Spec.Containers[0].Resources.Limits["cpu"].ToString());
        Assert.Equal("1", result.Pods[0].Spec.Containers[0].Resources.Limits["nvidia.com/gpu"].ToString());
    }

    [Fact]
    public void DuplicateKeysAreErrors()
    {
        var yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    name: b\n    image: i\n";
        Assert.Equal(["p.yaml: document 1: line 7: duplicate field \"spec.containers[0].name\""], Errors(yaml, "p.yaml"));
    }

    [Fact]
    public void DuplicateMapKeysAreErrors() =>
        Assert.Equal(["p.yaml: document 1: line 3: duplicate field \"metadata.labels.a\""],
            Errors("apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {a: x, a: y}}\nspec: {containers: [{name: a, image: i}]}\n", "p.yaml"));

    [Fact]
    public void MultiDocumentYamlReadsEveryPod()
    {
        var yaml = PodYaml + "\n---\n" + PodYaml.Replace("name: web", "name: two", StringComparison.Ordinal) + "\n---\n# only a comment\n";
        var result = ManifestReader.Read(yaml, "pods.yaml");
        Assert.True(result.IsValid, result.ErrorText);
        Assert.Equal(["web", "two"], result.Pods.Select(p => p.Metadata.Name));
    }

    [Fact]
    public void ConfigMapsAndSecretsNextToThePodsAreReadStrictly()
    {
        var yaml = PodYaml + "\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: b}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {k: v}\n";
        var result = ManifestReader.Read(yaml, "f.yaml");
        Assert.True(result.IsValid, result.ErrorText);
        Assert.Equal(("cm", "b"), (result.ConfigMaps.Single().Metadata.Name, result.ConfigMaps.Single().Data["a"]));
        Assert.Equal("v", result.Secrets.Single().StringData["k"]);

        Assert.Equal(["f.yaml: document 1: line 4: unknown field \"datas\""],
            Errors("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndatas: {a: b}\n", "f.yaml"));
        Assert.Equal(["f.yaml: document 1: line 1: apiVersion \"v2\" is not supported for kind \"Secret\"; podvisor runs v1 Pods"],
            Errors("apiVersion: v2\nkind: Secret\nmetadata: {name: s}\n", "f.yaml"));
    }

    [Theory]
    [InlineData("Deployment", "apps/v1", "kind \"Deployment\" is not supported; podvisor runs v1 Pods")]
    [InlineData("Service", "v1", "kind \"Service\" is not supported; podvisor runs v1 Pods")]
    [InlineData("Pod", "v2", "apiVersion \"v2\" is not supported for kind \"Pod\"; podvisor runs v1 Pods")]
    public void NonPodKindsAreRejectedByName(string kind, string apiVersion, string message)
    {
        var yaml = PodYaml + $"\n---\napiVersion: {apiVersion}\nkind: {kind}\nmetadata: {{name: x}}\n";
        var result = ManifestReader.Read(yaml, "file.yaml");
        Assert.Equal([$"file.yaml: document 2: line 18: {message}"], result.Errors.Select(e => e.ToString()));
        Assert.Single(result.Pods);
    }

    [Fact]
    public void MissingKindAndApiVersion()
    {
        Assert.Equal(["f.yaml: document 1: line 1: kind is missing; podvisor runs v1 Pods"], Errors("apiVersion: v1\nmetadata: {name: p}\n", "f.yaml"));
        Assert.Equal(["f.yaml: document 1: line 1: apiVersion is missing; podvisor runs v1 Pods"], Errors("kind: Pod\nmetadata: {name: p}\n", "f.yaml"));
    }

    [Theory]
    [InlineData("- a\n- b\n")]
    [InlineData("just a string\n")]
    public void NonObjectDocumentsAreRejected(string yaml) =>
        Assert.Equal(["f.yaml: document 1: line 1: expected a Kubernetes object (a mapping with apiVersion and kind)"], Errors(yaml, "f.yaml"));

    [Fact]
    public void MalformedYamlReportsLineAndColumn()
    {
        var errs = Errors("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n   bad: indent\n", "bad.yaml");
        var error = Assert.Single(errs);
        Assert.StartsWith("bad.yaml: document 1: invalid YAML at line 5, column ", error);
    }

    [Theory]
    [InlineData("a: [1, 2\nb: 3\n")]
    [InlineData("a: {b: 1\n")]
    [InlineData("a: 'unterminated\n")]
    [InlineData("a: *nope\n")]
    [InlineData("\t- tab\n")]
    [InlineData("? [a]\n: b\n")]
    public void MalformedYamlNeverThrows(string yaml)
    {
        var result = ManifestReader.Read(yaml, "x.yaml");
        Assert.False(result.IsValid);
        Assert.Empty(result.Pods);
    }

    [Fact]
    public void SecondDocumentSyntaxErrorNamesTheDocument()
    {
        var result = ManifestReader.Read(PodYaml + "\n---\nkind: [\n", "m.yaml");
        Assert.Single(result.Pods);
        Assert.StartsWith("m.yaml: document 2: invalid YAML at line", Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public void JsonPodIsRead()
    {
        var json = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"j\"},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\",\"ports\":[{\"containerPort\":80}]}]}}";
        var result = ManifestReader.Read(json, "pod.json");
        Assert.True(result.IsValid, result.ErrorText);
        Assert.Equal(80, result.Pods[0].Spec.Containers[0].Ports[0].ContainerPort);
    }

    [Fact]
    public void JsonUnknownFieldHasALineAndNoDocument()
    {
        var json = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"j\"},\n  \"spec\": {\"containers\": [{\"name\": \"a\", \"image\": \"i\"}], \"bogus\": 1}\n}";
        Assert.Equal(["pod.json: line 5: unknown field \"spec.bogus\""], Errors(json, "pod.json"));
    }

    [Fact]
    public void JsonListOfPodsIsReadAndItemsAreLocated()
    {
        var json = "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[" +
            "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}," +
            "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"b\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\",\"oops\":1}]}}," +
            "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"}}]}";
        var result = ManifestReader.Read(json, "list.json");
        Assert.Equal(["a"], result.Pods.Select(p => p.Metadata.Name));
        Assert.Equal(
        [
            "list.json: item 2: line 1: unknown field \"spec.containers[0].oops\"",
            "list.json: item 3: line 1: kind \"Deployment\" is not supported; podvisor runs v1 Pods",
        ], result.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void YamlListOfPodsIsRead()
    {
        var yaml = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n  spec: {containers: [{name: c, image: i}]}\n";
        var result = ManifestReader.Read(yaml, "l.yaml");
        Assert.True(result.IsValid, result.ErrorText);
        Assert.Equal("a", Assert.Single(result.Pods).Metadata.Name);
    }

    [Theory]
    [InlineData("{\"apiVersion\": \"v1\",}")]
    [InlineData("{\"a\": }")]
    [InlineData("{\"a\": 1} {\"b\": 2}")]
    [InlineData("[1, 2")]
    public void MalformedJsonReportsPosition(string json)
    {
        var error = Assert.Single(Errors(json, "x.json"));
        Assert.StartsWith("x.json: invalid JSON at line 1, column ", error);
    }

    [Fact]
    public void JsonDuplicateKeysAreErrors() =>
        Assert.Equal(["d.json: line 1: duplicate field \"metadata.name\""],
            Errors("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\",\"name\":\"b\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}", "d.json"));

    public static TheoryData<string, string> TypeErrorCases => new()
    {
        { "  containers: [{name: a, image: i, ports: [{containerPort: http}]}]\n", "invalid value for \"spec.containers[0].ports[0].containerPort\": expected an integer, got string \"http\"" },
        { "  containers: [{name: a, image: i, ports: [{containerPort: '80'}]}]\n", "invalid value for \"spec.containers[0].ports[0].containerPort\": expected an integer, got string \"80\"" },
        { "  containers: [{name: a, image: i, ports: [{containerPort: 99999999999}]}]\n", "invalid value for \"spec.containers[0].ports[0].containerPort\": expected an integer, got string \"99999999999\"" },
        { "  containers: {name: a, image: i}\n", "invalid value for \"spec.containers\": expected a list, got an object" },
        { "  containers: [{name: [a], image: i}]\n", "invalid value for \"spec.containers[0].name\": expected a string, got a list" },
        { "  hostNetwork: maybe\n  containers: [{name: a, image: i}]\n", "invalid value for \"spec.hostNetwork\": expected a boolean, got string \"maybe\"" },
        { "  containers: [{name: a, image: i, resources: {limits: {cpu: lots}}}]\n", "invalid value for \"spec.containers[0].resources.limits[cpu]\": expected a quantity such as 100m or 1Gi, got string \"lots\"" },
    };

    [Theory]
    [MemberData(nameof(TypeErrorCases))]
    public void TypeMismatchesAreReported(string spec, string message)
    {
        var error = Assert.Single(Errors($"apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n{spec}", "t.yaml"));
        Assert.EndsWith(message, error);
    }

    [Fact]
    public void PlainScalarsTakeTheirFieldType()
    {
        var yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {version: 1.10, enabled: yes}}\nspec:\n  hostNetwork: yes\n  terminationGracePeriodSeconds: 0x10\n  containers:\n  - name: a\n    image: i\n    command: [echo, 42, true, ~x]\n    env: [{name: N, value: 007}]\n    livenessProbe: {tcpSocket: {port: 8080}}\n    readinessProbe: {tcpSocket: {port: http}}\n";
        var result = ManifestReader.Read(yaml, "t.yaml");
        Assert.True(result.IsValid, result.ErrorText);
        var pod = result.Pods[0];
        Assert.Equal("1.10", pod.Metadata.Labels["version"]);
        Assert.Equal("yes", pod.Metadata.Labels["enabled"]);
        Assert.True(pod.Spec.HostNetwork);
        Assert.Equal(16, pod.Spec.TerminationGracePeriodSeconds);
        Assert.Equal(["echo", "42", "true", "~x"], pod.Spec.Containers[0].Command);
        Assert.Equal("007", pod.Spec.Containers[0].Env[0].Value);
        Assert.Equal("8080", pod.Spec.Containers[0].LivenessProbe.TcpSocket.Port.Value);
        Assert.Equal("http", pod.Spec.Containers[0].ReadinessProbe.TcpSocket.Port.Value);
    }

    [Fact]
    public void AnchorsAndAliasesResolve()
    {
        var yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - &c {name: a, image: i, command: [x]}\n  - {name: b, image: i, command: [x]}\n  initContainers: [*c]\n";
        var result = ManifestReader.Read(yaml, "a.yaml");
        Assert.True(result.IsValid, result.ErrorText);
        Assert.Equal("a", result.Pods[0].Spec.InitContainers[0].Name);
    }

    [Fact]
    public void NullValuesAreAccepted()
    {
        var yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, creationTimestamp: null}\nspec:\n  containers: [{name: a, image: i, resources: {}, args: ~}]\nstatus: {}\n";
        Assert.True(ManifestReader.Read(yaml, "n.yaml").IsValid);
    }

    [Fact]
    public void EmptyInputHasNoPodsAndNoErrors()
    {
        var result = ManifestReader.Read("", "e.yaml");
        Assert.Empty(result.Pods);
        Assert.Empty(result.Errors);
    }

    [Fact]
    public void RandomTextNeverThrows() =>
        Gen.String[Gen.Char["a-z:{}[]-\"' \n#&*!|>0-9,."], 0, 120].Sample(text =>
        {
            var result = ManifestReader.Read(text, "fuzz.yaml");
            return result.Pods.Count + result.Errors.Count >= 0;
        }, iter: 3000);

    [Fact]
    public void MutatedPodManifestsNeverThrow() =>
        Gen.Int[0, PodYaml.Length - 1].Select(Gen.Char[" :-[]{}\n"]).Sample((at, c) =>
        {
            var text = PodYaml[..at] + c + PodYaml[(at + 1)..];
            _ = ManifestReader.Read(text, "m.yaml");
            return true;
        }, iter: 2000);
}
