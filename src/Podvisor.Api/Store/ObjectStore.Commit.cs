using System.Globalization;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Podvisor.Api.Watch;

namespace Podvisor.Api.Store;

/// <summary>Where ordered changes become durable (the SQLite journal).</summary>
internal interface IStoreJournal
{
    /// <summary>
    /// Writes the changes (at most one per object, the newest) and the store revision in one transaction that is durable
    /// when this returns; throws when it cannot (disk full, I/O error) and then has written nothing.
    /// </summary>
    void Write(IReadOnlyCollection<WatchRecord> changes, long revision);
}

/// <summary>A write could not be made durable; the store is unchanged. The apiserver's answer is 500 InternalError.</summary>
internal sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The write path with group commit. Under the lock a write is checked, versioned and applied to memory (so the next
/// write of the same object sees it) and queued; one loop writes everything queued in one journal transaction, then
/// publishes those changes to the watch history and completes their writers. When a transaction fails, every queued
/// change fails with it and memory returns to the last committed state, so memory and disk never disagree.
/// </summary>
internal sealed partial class ObjectStore : IAsyncDisposable
{
    private const int MaxBatch = 5_000;

    private readonly IStoreJournal _journal;
    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>For each object with uncommitted changes: its committed version (null: absent) and how many are queued.</summary>
    private readonly Dictionary<(ResourceKind, string), (StoredObject? Committed, int Queued)> _uncommitted = [];
    private readonly Task _commitLoop;
    private long _committedRevision;
    private bool _closed;

    private sealed record PendingWrite(WatchRecord Change, TaskCompletionSource Durable);

    public async Task<StoreResult> CreateAsync(ResourceKind kind, IKubernetesObject<V1ObjectMeta> obj)
    {
        Task durable;
        StoredObject stored;
        lock (_gate)
        {
            var key = StoredObject.StoreKey(obj.Metadata.NamespaceProperty, obj.Metadata.Name);
            if (_objects[kind].ContainsKey(key))
            {
                return new StoreResult(StoreOutcome.AlreadyExists, null);
            }

            stored = NextVersion(kind, obj);
            durable = Stage(new WatchRecord(WatchEventType.Added, stored, null));
        }

        await durable.ConfigureAwait(false);
        return new StoreResult(StoreOutcome.Ok, stored);
    }

    /// <summary>
    /// Replaces an object. With <paramref name="expectedResourceVersion"/> the write only happens if the current version
    /// is exactly that one (optimistic concurrency); the UID must match the current object.
    /// </summary>
    public async Task<StoreResult> UpdateAsync(ResourceKind kind, IKubernetesObject<V1ObjectMeta> obj, long? expectedResourceVersion)
    {
        Task durable;
        StoredObject stored;
        lock (_gate)
        {
            var key = StoredObject.StoreKey(obj.Metadata.NamespaceProperty, obj.Metadata.Name);
            if (!_objects[kind].TryGetValue(key, out var current))
            {
                return new StoreResult(StoreOutcome.NotFound, null);
            }

            if ((expectedResourceVersion is { } expected && expected != current.ResourceVersion) || current.Uid != (obj.Metadata.Uid ?? ""))
            {
                return new StoreResult(StoreOutcome.Conflict, current);
            }

            stored = NextVersion(kind, obj);
            durable = Stage(new WatchRecord(WatchEventType.Modified, stored, current));
        }

        await durable.ConfigureAwait(false);
        return new StoreResult(StoreOutcome.Ok, stored);
    }

    /// <summary>Removes an object (if its UID still matches); the DELETED event carries the removal's resourceVersion.</summary>
    public async Task<StoreResult> DeleteAsync(ResourceKind kind, string? ns, string name, string? expectedUid)
    {
        Task durable;
        StoredObject tombstone;
        lock (_gate)
        {
            var key = StoredObject.StoreKey(ns, name);
            if (!_objects[kind].TryGetValue(key, out var current) || (expectedUid is not null && current.Uid != expectedUid))
            {
                return new StoreResult(StoreOutcome.NotFound, null);
            }

            tombstone = NextVersion(kind, kind.Deserialize(System.Text.Encoding.UTF8.GetString(current.Json)));
            durable = Stage(new WatchRecord(WatchEventType.Deleted, tombstone, current));
        }

        await durable.ConfigureAwait(false);
        return new StoreResult(StoreOutcome.Ok, tombstone);
    }

    /// <summary>Fails later writes and waits for the queued ones to commit.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _closed = true;
            _queue.Writer.TryComplete();
        }

        await _commitLoop.ConfigureAwait(false);
    }

    private StoredObject NextVersion(ResourceKind kind, IKubernetesObject<V1ObjectMeta> obj)
    {
        if (_closed)
        {
            throw new StoreUnavailableException("the store is shutting down");
        }

        _revision++;
        obj.Metadata.ResourceVersion = _revision.ToString(CultureInfo.InvariantCulture);
        return new StoredObject(kind, obj, _revision);
    }

    /// <summary>Under the lock: applies a change to memory and queues it for the journal.</summary>
    private Task Stage(WatchRecord change)
    {
        var stored = change.Object;
        var key = (stored.Kind, stored.Key);
        var (committed, queued) = _uncommitted.TryGetValue(key, out var entry) ? entry : (change.Previous, 0);
        _uncommitted[key] = (committed, queued + 1);
        if (change.Type == WatchEventType.Deleted)
        {
            Unindex(change.Previous!);
        }
        else
        {
            Index(stored);
        }

        var write = new PendingWrite(change, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        _queue.Writer.TryWrite(write);
        return write.Durable.Task;
    }

    private async Task CommitLoop()
    {
        var batch = new List<PendingWrite>();
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var write))
            {
                batch.Add(write);
            }

            Exception? failure = null;
            try
            {
                _journal.Write(Newest(batch), batch[^1].Change.ResourceVersion);
            }
            catch (Exception ex)
            {
                failure = ex;
            }

            if (failure is null)
            {
                Committed(batch);
                batch.ForEach(w => w.Durable.TrySetResult());
            }
            else
            {
                RollBack(batch);
                var error = new StoreUnavailableException("writing to the store database failed: " + failure.Message, failure);
                batch.ForEach(w => w.Durable.TrySetException(error));
            }

            batch.Clear();
        }
    }

    /// <summary>The newest change of each object, in order (many status updates of one pod become one row write).</summary>
    private static List<WatchRecord> Newest(List<PendingWrite> batch)
    {
        var newest = new Dictionary<(ResourceKind, string), WatchRecord>();
        foreach (var write in batch)
        {
            newest[(write.Change.Object.Kind, write.Change.Object.Key)] = write.Change;
        }

        return newest.Values.ToList();
    }

    private void Committed(List<PendingWrite> batch)
    {
        lock (_gate)
        {
            foreach (var write in batch)
            {
                var stored = write.Change.Object;
                var key = (stored.Kind, stored.Key);
                var (committed, queued) = _uncommitted[key];
                if (queued == 1)
                {
                    _uncommitted.Remove(key);
                }
                else
                {
                    _uncommitted[key] = (committed, queued - 1);
                }

                _committedRevision = stored.ResourceVersion;
                Publish(write.Change);
            }
        }
    }

    /// <summary>Fails the batch and everything queued behind it (built on it) and restores the committed objects.</summary>
    private void RollBack(List<PendingWrite> batch)
    {
        lock (_gate)
        {
            while (_queue.Reader.TryRead(out var later))
            {
                batch.Add(later);
            }

            foreach (var ((kind, key), (committed, _)) in _uncommitted)
            {
                if (_objects[kind].GetValueOrDefault(key) is { } uncommitted)
                {
                    Unindex(uncommitted);
                }

                if (committed is not null)
                {
                    Index(committed);
                }
            }

            _uncommitted.Clear();
            _revision = _committedRevision;
        }
    }

    private void Unindex(StoredObject stored)
    {
        _objects[stored.Kind].Remove(stored.Key);
        if (stored.Kind == ResourceKind.Pods && _podKeyByUid.GetValueOrDefault(stored.Uid) == stored.Key)
        {
            _podKeyByUid.Remove(stored.Uid);
        }
    }
}
