using System.Text.Json;
using k8s;
using k8s.Models;

namespace Podvisor.E2E.Tests.Support;

/// <summary>
/// The stdout of <c>podvisor run -o json</c>, parsed and checked against docs/contracts.md §1: exactly one JSON document, a v1
/// List whose items are the final Pods followed by their Events, oldest first.
/// </summary>
public sealed record PodList(IReadOnlyList<V1Pod> Pods, IReadOnlyList<Corev1Event> Events)
{
    public static PodList Parse(string stdout)
    {
        using var document = JsonDocument.Parse(stdout);
        var root = document.RootElement;
        Assert.Equal("v1", root.GetProperty("apiVersion").GetString());
        Assert.Equal("List", root.GetProperty("kind").GetString());
        var items = root.GetProperty("items").EnumerateArray().ToList();
        var kinds = items.Select(i => i.GetProperty("kind").GetString()).ToList();
        var podCount = kinds.TakeWhile(k => k == "Pod").Count();
        Assert.All(kinds.Skip(podCount), k => Assert.Equal("Event", k));
        var pods = items.Take(podCount).Select(i => KubernetesJson.Deserialize<V1Pod>(i.GetRawText())).ToList();
        var events = items.Skip(podCount).Select(i => KubernetesJson.Deserialize<Corev1Event>(i.GetRawText())).ToList();
        Assert.All(pods, p => Assert.Equal("v1", p.ApiVersion));
        Assert.All(events, e => Assert.Equal("v1", e.ApiVersion));
        Assert.Equal(events.Select(e => e.FirstTimestamp).Order(), events.Select(e => e.FirstTimestamp));
        return new PodList(pods, events);
    }

    public V1Pod Pod(string name) => Assert.Single(Pods, p => p.Metadata.Name == name);

    public IEnumerable<Corev1Event> EventsWith(string reason, string? container = null) =>
        Events.Where(e => e.Reason == reason && (container is null || e.ContainerName() == container));

    /// <summary>How often an (aggregated) event happened.</summary>
    public int Count(string reason, string? container = null) => EventsWith(reason, container).Sum(e => e.Count ?? 1);
}
