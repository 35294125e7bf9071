using Podvisor.E2E.Tests.Api;

namespace Podvisor.E2E.Tests.Serve;

/// <summary>Invalid manifests through real kubectl against serve: the apiserver's messages, and nothing stored or run.</summary>
[Collection(ServeCollection.Name)]
public sealed class AdmissionTests
{
    private const string BadOperator = """
        apiVersion: v1
        kind: Pod
        metadata: {name: bad-rules}
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: busybox
            command: [sh, -c, "exit 0"]
            restartPolicy: Never
            restartPolicyRules:
            - action: Restart
              exitCodes: {operator: Between, values: [1]}
        """;

    /// <summary>The rule shape of the v1.35 announcement (<c>onExit</c>), which the API does not have.</summary>
    private const string OnExit = """
        apiVersion: v1
        kind: Pod
        metadata: {name: on-exit}
        spec:
          containers:
          - name: main
            image: busybox
            command: [sh, -c, "exit 0"]
            restartPolicy: Never
            restartPolicyRules:
            - action: RestartAllContainers
              onExit:
                exitCodes: {operator: In, values: [88]}
        """;

    public static TheoryData<string> Versions => new(Kubectl.Versions);

    [KubectlTheory]
    [MemberData(nameof(Versions))]
    public async Task InvalidManifestsPrintTheApiserversMessageAndStoreNothing(string version)
    {
        await using var h = await ServeHarness.StartAsync();
        var k = h.Kubectl(version);

        var invalid = await k.RunWithInputAsync(BadOperator, "apply", "-f", "-");
        Assert.Equal(1, invalid.ExitCode);
        Assert.Equal("The Pod \"bad-rules\" is invalid: spec.containers[0].restartPolicyRules[0].exitCodes.operator: Unsupported value: \"Between\": supported values: \"In\", \"NotIn\"\n", invalid.Stderr);

        var unknown = await k.RunWithInputAsync(OnExit, "apply", "-f", "-");
        Assert.Equal(1, unknown.ExitCode);
        Assert.StartsWith("Error from server (BadRequest): error when creating \"STDIN\": Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown field \"spec.containers[0].restartPolicyRules[0].onExit\"", unknown.Stderr);

        Assert.Equal("No resources found in default namespace.\n", (await k.RunAsync("get", "pods")).Stderr);
        Assert.Equal("No resources found in default namespace.\n", (await k.RunAsync("get", "events")).Stderr);
        Assert.Empty(RuntimeRecords.Sandboxes(h.DataDir));
        await h.StopAsync();
    }
}
