using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Podvisor.Core.Status;
using Podvisor.Core.Validation;

namespace Podvisor.E2E.Tests.Api;

/// <summary>
/// <c>podvisor serve</c> sets qosClass when the API creates a pod; <c>podvisor run</c> gets it from the status
/// generator. Both must say the same for the same pod (they once disagreed for requests of non-QoS resources).
/// </summary>
public sealed class QosClassTests
{
    [Theory]
    [InlineData("{}", "BestEffort")]
    [InlineData("""{"requests":{"ephemeral-storage":"1Gi"}}""", "BestEffort")]
    [InlineData("""{"limits":{"cpu":"1","memory":"1Gi"}}""", "Guaranteed")]
    [InlineData("""{"requests":{"cpu":"1000m","memory":"1Gi"},"limits":{"cpu":"1","memory":"1Gi"}}""", "Guaranteed")]
    [InlineData("""{"requests":{"cpu":"100m"}}""", "Burstable")]
    public async Task ServeAndRunReportTheSameQosClass(string resources, string expected)
    {
        var json = $$$"""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"q"},"spec":{"containers":[{"name":"c","image":"busybox","command":["true"],"resources":{{{resources}}}}]}}""";
        await using var h = await ApiServerHarness.StartAsync();
        using var http = h.Http();

        var created = await http.PostAsync("/api/v1/namespaces/default/pods", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var served = (string?)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["status"]!["qosClass"];
        var pod = KubernetesJson.Deserialize<V1Pod>(json);
        PodDefaults.Apply(pod); // as `podvisor run` admits a manifest
        var run = PodQos.Get(pod, oldStatus: null);

        Assert.Equal((expected, expected), (served, run));
    }
}
