using k8s;
using k8s.Models;
using Podvisor.Api.Store;
using Podvisor.Api.Watch;

namespace Podvisor.Api.Tests.Store;

/// <summary>Group commit: a write completes after its journal commit; a failed commit fails and rolls back.</summary>
public sealed class StoreCommitTests
{
    [Fact]
    public async Task AWriteCompletesOnlyAfterItsBatchIsWritten()
    {
        var journal = new GatedJournal();
        await using var store = new ObjectStore(journal);
        store.Load([], 0);
        var (watch, _) = store.Watch(ResourceKind.Pods, null);
        var creates = Enumerable.Range(0, 20).Select(i => store.CreateAsync(ResourceKind.Pods, Pod("p" + i))).ToList();

        await journal.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(creates, c => Assert.False(c.IsCompleted));
        Assert.False(watch!.Changes.TryRead(out _));
        journal.Open.SetResult();
        await Task.WhenAll(creates).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(20, journal.Written.Count);
        Assert.True(journal.Batches < 20, $"{journal.Batches} transactions for 20 concurrent writes: no group commit");
        var published = new List<long>();
        while (watch.Changes.TryRead(out var record))
        {
            published.Add(record.ResourceVersion);
        }

        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), published);
    }

    [Fact]
    public async Task AFailedCommitFailsItsWritesAndRestoresTheCommittedState()
    {
        var journal = new GatedJournal();
        journal.Open.SetResult();
        await using var store = new ObjectStore(journal);
        store.Load([], 0);
        var kept = (await store.CreateAsync(ResourceKind.Pods, Pod("kept"))).Object!;
        var (watch, _) = store.Watch(ResourceKind.Pods, kept.ResourceVersion);

        journal.Fail = true;
        var changed = kept.CloneAs<V1Pod>();
        changed.Metadata.Labels = new Dictionary<string, string> { ["changed"] = "yes" };
        var update = store.UpdateAsync(ResourceKind.Pods, changed, kept.ResourceVersion);
        var create = store.CreateAsync(ResourceKind.Pods, Pod("lost"));
        var delete = store.DeleteAsync(ResourceKind.Pods, "default", "kept", null);

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => update);
        Assert.Contains("disk is full", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => create);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => delete);
        Assert.Same(kept, store.Get(ResourceKind.Pods, "default", "kept"));
        Assert.Same(kept, store.GetPodByUid(kept.Uid));
        Assert.Null(store.Get(ResourceKind.Pods, "default", "lost"));
        Assert.Equal(kept.ResourceVersion, store.Revision);
        Assert.False(watch!.Changes.TryRead(out _));

        journal.Fail = false;
        var resumed = await store.CreateAsync(ResourceKind.Pods, Pod("after"));
        Assert.Equal(kept.ResourceVersion + 1, resumed.Object!.ResourceVersion);
        Assert.True(watch.Changes.TryRead(out var added));
        Assert.Equal("after", added.Object.Name);
    }

    private static V1Pod Pod(string name) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Uid = Guid.NewGuid().ToString() },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c" }] },
    };

    /// <summary>Blocks the first transaction until <see cref="Open"/>; fails every transaction while <see cref="Fail"/>.</summary>
    private sealed class GatedJournal : IStoreJournal
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile bool Fail;

        public List<string> Written { get; } = [];

        public int Batches { get; private set; }

        public void Write(IReadOnlyCollection<WatchRecord> changes, long revision)
        {
            Entered.TrySetResult();
            Open.Task.Wait();
            if (Fail)
            {
                throw new IOException("SQLite Error 13: 'database or disk is full'.");
            }

            Batches++;
            Written.AddRange(changes.Select(c => c.Object.Name));
        }
    }
}
