using k8s;
using k8s.Models;
using Podvisor.Agent.Tests.Support;
using Podvisor.Core.Model;

namespace Podvisor.Agent.Tests;

/// <summary>
/// makeEnvironmentVariables over ConfigMaps and Secrets: envFrom (prefix, optional, later sources win), env
/// overriding it, configMapKeyRef / secretKeyRef (optional objects and keys), $(VAR) over both, and the kubelet's
/// errors for what is missing.
/// </summary>
public sealed class EnvResolutionTests
{
    private readonly InMemoryConfigObjects _objects = new();

    public EnvResolutionTests()
    {
        _objects.Put(InMemoryConfigObjects.ConfigMap("app", new() { ["mode"] = "fast", ["level"] = "3" }));
        _objects.Put(InMemoryConfigObjects.ConfigMap("extra", new() { ["mode"] = "slow", ["zone"] = "b" }));
        _objects.Put(InMemoryConfigObjects.Secret("creds", new() { ["user"] = "admin", ["password"] = "s3cr\u00e9t" }));
    }

    [Fact]
    public void ConfigMapKeyRefAndSecretKeyRefResolveToTheValues()
    {
        var env = Resolve("""
            env:
            - {name: MODE, valueFrom: {configMapKeyRef: {name: app, key: mode}}}
            - {name: PASSWORD, valueFrom: {secretKeyRef: {name: creds, key: password}}}
            """);

        Assert.Equal([("MODE", "fast"), ("PASSWORD", "s3cr\u00e9t")], env);
    }

    [Theory]
    [InlineData("{configMapKeyRef: {name: missing, key: mode}}", "configmap \"missing\" not found")]
    [InlineData("{configMapKeyRef: {name: app, key: missing}}", "couldn't find key missing in ConfigMap default/app")]
    [InlineData("{secretKeyRef: {name: missing, key: user}}", "secret \"missing\" not found")]
    [InlineData("{secretKeyRef: {name: creds, key: missing}}", "couldn't find key missing in Secret default/creds")]
    public void AMissingRequiredObjectOrKeyIsTheKubeletsError(string valueFrom, string message)
    {
        var error = Assert.Throws<ContainerConfigException>(() => Resolve($"env: [{{name: X, valueFrom: {valueFrom}}}]"));

        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("{configMapKeyRef: {name: missing, key: mode, optional: true}}")]
    [InlineData("{configMapKeyRef: {name: app, key: missing, optional: true}}")]
    [InlineData("{secretKeyRef: {name: missing, key: user, optional: true}}")]
    [InlineData("{secretKeyRef: {name: creds, key: missing, optional: true}}")]
    public void AMissingOptionalObjectOrKeyLeavesTheVariableOut(string valueFrom)
    {
        var env = Resolve($"env: [{{name: A, value: a}}, {{name: X, valueFrom: {valueFrom}}}, {{name: B, value: $(X)}}]");

        Assert.Equal([("A", "a"), ("B", "$(X)")], env);
    }

    [Fact]
    public void EnvFromAddsEveryKeyWithItsPrefixLaterSourcesWinAndEnvOverrides()
    {
        var env = Resolve("""
            envFrom:
            - configMapRef: {name: app}
            - configMapRef: {name: extra}
            - {prefix: DB_, secretRef: {name: creds}}
            env:
            - {name: zone, value: override}
            """);

        Assert.Equal([("level", "3"), ("mode", "slow"), ("zone", "override"), ("DB_password", "s3cr\u00e9t"), ("DB_user", "admin")], env);
    }

    [Fact]
    public void EnvFromOfAMissingObjectFailsUnlessOptional()
    {
        Assert.Equal("configmap \"nope\" not found",
            Assert.Throws<ContainerConfigException>(() => Resolve("envFrom: [{configMapRef: {name: nope}}]")).Message);
        Assert.Equal("secret \"nope\" not found",
            Assert.Throws<ContainerConfigException>(() => Resolve("envFrom: [{secretRef: {name: nope}}]")).Message);
        Assert.Empty(Resolve("envFrom: [{configMapRef: {name: nope, optional: true}}, {secretRef: {name: nope, optional: true}}]"));
    }

    [Fact]
    public void ValuesExpandEnvFromVariablesAndEarlierEnvButNotLaterEnv()
    {
        var env = Resolve("""
            envFrom: [{configMapRef: {name: app}}]
            env:
            - {name: URL, value: "http://$(mode):$(PORT)/$(LATER)"}
            - {name: PORT, value: "80"}
            - {name: BOTH, value: "$(mode)-$(PORT)"}
            - {name: LATER, value: x}
            """);

        Assert.Contains(("URL", "http://fast:$(PORT)/$(LATER)"), env);
        Assert.Contains(("BOTH", "fast-80"), env);
    }

    [Fact]
    public void EachObjectIsReadOncePerResolution()
    {
        Resolve("""
            envFrom: [{configMapRef: {name: app}}]
            env:
            - {name: A, valueFrom: {configMapKeyRef: {name: app, key: mode}}}
            - {name: B, valueFrom: {configMapKeyRef: {name: app, key: level}}}
            - {name: C, valueFrom: {secretKeyRef: {name: creds, key: user}}}
            - {name: D, valueFrom: {secretKeyRef: {name: creds, key: password}}}
            """);

        Assert.Equal(2, _objects.Reads);
    }

    [Fact]
    public void AnObjectInAnotherNamespaceIsNotSeen()
    {
        var container = Container("env: [{name: X, valueFrom: {configMapKeyRef: {name: app, key: mode}}}]");
        var pod = Pod(container);
        pod.Metadata.NamespaceProperty = "other";

        Assert.Equal("configmap \"app\" not found",
            Assert.Throws<ContainerConfigException>(() => ContainerConfigFactory.ResolveEnv(pod, container, null, Options, _objects)).Message);
    }

    [Theory]
    [InlineData("{resource: limits.cpu}", "2")]
    [InlineData("{resource: limits.cpu, divisor: 1m}", "1500")]
    [InlineData("{resource: requests.cpu}", "1")]
    [InlineData("{resource: requests.cpu, divisor: 100m}", "3")]
    [InlineData("{resource: limits.memory, divisor: 1Mi}", "128")]
    [InlineData("{resource: requests.memory}", "0")]
    [InlineData("{resource: limits.ephemeral-storage, divisor: 1Gi}", "90")]
    [InlineData("{resource: limits.memory, containerName: other, divisor: 1Mi}", "1948")]
    [InlineData("{resource: limits.cpu, containerName: other}", "8")]
    public void ResourceFieldRefIsTheLimitOrRequestInDivisorUnitsRoundedUpWithNodeAllocatableForUnsetLimits(string selector, string value)
    {
        var container = Container("resources: {limits: {cpu: 1500m, memory: 128Mi}, requests: {cpu: 250m}}\n"
            + "env: [{name: X, valueFrom: {resourceFieldRef: " + selector + "}}]\n");
        var pod = Pod(container);
        pod.Spec.Containers.Add(new V1Container { Name = "other" });
        var options = Options with { Resources = new NodeResources(8, 2L << 30, 100L << 30) };

        Assert.Equal([("X", value)], ContainerConfigFactory.ResolveEnv(pod, container, null, options, _objects).Select(kv => (kv.Key, kv.Value)));
    }

    [Fact]
    public void ResourceFieldRefOfAnUnknownResourceIsTheKubeletsError()
    {
        Assert.Equal("unsupported container resource : limits.hugepages-2Mi",
            Assert.Throws<ContainerConfigException>(() => Resolve("env: [{name: X, valueFrom: {resourceFieldRef: {resource: limits.hugepages-2Mi}}}]")).Message);
    }

    [Fact]
    public async Task APodWaitsInCreateContainerConfigErrorUntilItsConfigMapAppears()
    {
        await using var h = new ScenarioHarness();
        var pod = await h.RunAsync("""
            metadata: {name: cm}
            spec:
              containers:
              - name: c
                command: ["sleep", "100"]
                env: [{name: MODE, valueFrom: {configMapKeyRef: {name: settings, key: mode}}}]
            """);

        var waiting = h.Status(pod).ContainerStatuses.Single().State.Waiting;
        Assert.Equal((ContainerReasons.CreateContainerConfigError, "configmap \"settings\" not found"), (waiting.Reason, waiting.Message));
        Assert.Contains(h.EventsWithReason(EventReasons.Failed), e => e.Message == "Error: configmap \"settings\" not found");
        Assert.Empty(h.Started());

        h.ConfigObjects.Put(InMemoryConfigObjects.ConfigMap("settings", new() { ["mode"] = "fast" }));
        h.Agent.ConfigObjectsChanged("default");
        await h.SettleAsync();

        Assert.Equal(["c"], h.Started());
        Assert.NotNull(h.Status(pod).ContainerStatuses.Single().State.Running);
        Assert.Contains(new KeyValuePair<string, string>("MODE", "fast"), h.Runtime.ConfigOf(pod.Metadata.Uid, "c").Env);
    }

    private static AgentOptions Options { get; } = TestAgentOptions.For("/data");

    [Fact]
    public void TheKubernetesServiceVariablesComeLastExpandInValuesAndYieldToTheContainersOwn()
    {
        var container = Container("""
            env:
            - {name: API, value: "https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)"}
            - {name: KUBERNETES_SERVICE_PORT, value: "443"}
            """);
        var options = Options with { KubernetesService = new System.Net.IPEndPoint(System.Net.IPAddress.Parse("10.88.0.1"), 6443) };

        var env = ContainerConfigFactory.ResolveEnv(Pod(container), container, null, options, _objects).Select(kv => (kv.Key, kv.Value)).ToList();

        Assert.Equal(
        [
            ("API", "https://10.88.0.1:6443"),
            ("KUBERNETES_SERVICE_PORT", "443"),
            ("KUBERNETES_SERVICE_HOST", "10.88.0.1"),
            ("KUBERNETES_SERVICE_PORT_HTTPS", "6443"),
            ("KUBERNETES_PORT", "tcp://10.88.0.1:6443"),
            ("KUBERNETES_PORT_6443_TCP", "tcp://10.88.0.1:6443"),
            ("KUBERNETES_PORT_6443_TCP_PROTO", "tcp"),
            ("KUBERNETES_PORT_6443_TCP_PORT", "6443"),
            ("KUBERNETES_PORT_6443_TCP_ADDR", "10.88.0.1"),
        ], env);
        Assert.Empty(ContainerConfigFactory.KubernetesServiceEnv(null));
    }

    private List<(string, string)> Resolve(string containerYaml)
    {
        var container = Container(containerYaml);
        return ContainerConfigFactory.ResolveEnv(Pod(container), container, null, Options, _objects).Select(kv => (kv.Key, kv.Value)).ToList();
    }

    private static V1Container Container(string yaml)
    {
        var container = KubernetesYaml.Deserialize<V1Container>("name: c\n" + yaml);
        return container;
    }

    private static V1Pod Pod(V1Container container) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Uid = "uid-1" },
        Spec = new V1PodSpec { Containers = [container] },
    };
}
