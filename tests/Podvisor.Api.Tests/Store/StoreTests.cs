using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Podvisor.Api;
using Podvisor.Api.Events;
using Podvisor.Api.Selectors;
using Podvisor.Api.Store;
using Podvisor.Api.Watch;

namespace Podvisor.Api.Tests.Store;

/// <summary>The in-memory store: watch history and resume, selector transitions, event expiry.</summary>
public sealed class StoreTests
{
    [Fact]
    public async Task WatchResumesWithinTheHistoryAndIsGoneBeyondIt()
    {
        await using var store = new ObjectStore(new NullJournal(), historyCapacity: 3);
        store.Load([], 0);
        for (var i = 0; i < 5; i++)
        {
            await store.CreateAsync(ResourceKind.Pods, Pod("p" + i, "a"));
        }

        var (resumed, _) = store.Watch(ResourceKind.Pods, 2);
        Assert.Equal([3L, 4L, 5L], resumed!.Initial.Select(r => r.ResourceVersion));
        var (gone, oldest) = store.Watch(ResourceKind.Pods, 1);
        Assert.Null(gone);
        Assert.Equal(3, oldest);
        var (fresh, _) = store.Watch(ResourceKind.Pods, null);
        Assert.Equal(5, fresh!.Initial.Count);
        Assert.All(fresh.Initial, r => Assert.Equal(WatchEventType.Added, r.Type));
    }

    [Fact]
    public async Task AChangeThatLeavesOrEntersASelectionIsDELETEDOrADDED()
    {
        await using var store = new ObjectStore(new NullJournal());
        store.Load([], 0);
        var query = new ListQuery(LabelSelector.Parse("app=a").Selector!, FieldSelector.Everything, true, null, null, false);
        var (watch, _) = store.Watch(ResourceKind.Pods, 0);
        var created = (await store.CreateAsync(ResourceKind.Pods, Pod("p", "a"))).Object!;
        var moved = Pod("p", "b");
        moved.Metadata.Uid = created.Uid;
        await store.UpdateAsync(ResourceKind.Pods, moved, null);
        var back = Pod("p", "a");
        back.Metadata.Uid = created.Uid;
        await store.UpdateAsync(ResourceKind.Pods, back, null);
        await store.DeleteAsync(ResourceKind.Pods, "default", "p", null);
        var types = new List<string?>();
        while (watch!.Changes.TryRead(out var record))
        {
            types.Add(WatchStreamer.EventType(record, "default", query));
        }

        Assert.Equal(["ADDED", "DELETED", "ADDED", "DELETED"], types);
    }

    [Fact]
    public async Task EventsExpireAfterAnHour()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var store = new ObjectStore(new NullJournal());
        store.Load([], 0);
        var api = new ApiContext(store, time, Podvisor.Core.FeatureGates.Default, "node", Path.GetTempPath(), NullLoggerFactory.Instance);
        using var recorder = new EventStore(api);
        await recorder.RecordAsync(new Corev1Event { InvolvedObject = new V1ObjectReference { Name = "p", NamespaceProperty = "default" }, Reason = "Started" });
        time.Advance(TimeSpan.FromMinutes(30));
        await recorder.RecordAsync(new Corev1Event { InvolvedObject = new V1ObjectReference { Name = "p", NamespaceProperty = "default" }, Reason = "Killing" });
        time.Advance(TimeSpan.FromMinutes(31));
        await recorder.ExpireOldAsync();
        Assert.Equal(["Killing"], store.List(ResourceKind.Events, "default").Items.Select(e => ((Corev1Event)e.Object).Reason));
    }

    [Fact]
    public async Task ListAtUndoesLaterChangesAndIsNullOnceTheyLeftTheHistory()
    {
        await using var store = new ObjectStore(new NullJournal(), historyCapacity: 4);
        store.Load([], 0);
        await store.CreateAsync(ResourceKind.Pods, Pod("a", "web"));
        await store.CreateAsync(ResourceKind.Pods, Pod("b", "web"));
        var snapshot = store.Revision;
        await store.DeleteAsync(ResourceKind.Pods, "default", "a", null);
        await store.CreateAsync(ResourceKind.Pods, Pod("c", "web"));
        Assert.Equal(["default/a", "default/b"], store.ListAt(ResourceKind.Pods, "default", snapshot)!.Select(o => o.Key).Order(StringComparer.Ordinal));
        await store.CreateAsync(ResourceKind.Pods, Pod("d", "web"));
        await store.CreateAsync(ResourceKind.Pods, Pod("e", "web"));
        await store.CreateAsync(ResourceKind.Pods, Pod("f", "web"));
        Assert.Null(store.ListAt(ResourceKind.Pods, "default", snapshot));
    }

    private static V1Pod Pod(string name, string app) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Uid = Guid.NewGuid().ToString(), Labels = new Dictionary<string, string> { ["app"] = app } },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c" }] },
    };

    internal sealed class NullJournal : IStoreJournal
    {
        public void Write(IReadOnlyCollection<WatchRecord> changes, long revision)
        {
        }
    }
}
