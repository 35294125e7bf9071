using k8s;
using k8s.Models;
using Podvisor.Api.Watch;

namespace Podvisor.Api.Store;

internal enum StoreOutcome
{
    Ok,
    NotFound,
    AlreadyExists,
    Conflict,
}

internal readonly record struct StoreResult(StoreOutcome Outcome, StoredObject? Object);

/// <summary>Where committed changes go to become durable (the SQLite writer). Must not block.</summary>
internal interface IStoreJournal
{
    void Append(StoredObject? upsert, StoredObject? delete, long revision);
}

/// <summary>
/// The in-memory index of current objects, the global resourceVersion and the watch fan-out. One short lock guards
/// all of it; nothing inside the lock does I/O (the journal and the watchers are channels).
/// </summary>
internal sealed class ObjectStore(IStoreJournal journal, int historyCapacity = 10_000)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ResourceKind, Dictionary<string, StoredObject>> _objects =
        ResourceKind.All.ToDictionary(k => k, _ => new Dictionary<string, StoredObject>(StringComparer.Ordinal));
    private readonly Dictionary<string, string> _podKeyByUid = new(StringComparer.Ordinal);
    private readonly WatchHistory _history = new(historyCapacity);
    private readonly List<WatchSubscription> _watchers = [];
    private long _revision;

    public long Revision
    {
        get
        {
            lock (_gate)
            {
                return _revision;
            }
        }
    }

    /// <summary>Startup: installs the objects read from disk and the persisted revision.</summary>
    public void Load(IEnumerable<StoredObject> objects, long revision)
    {
        lock (_gate)
        {
            foreach (var obj in objects)
            {
                Index(obj);
                revision = Math.Max(revision, obj.ResourceVersion);
            }

            _revision = revision;
            _history.Reset(revision);
        }
    }

    public StoredObject? Get(ResourceKind kind, string? ns, string name)
    {
        lock (_gate)
        {
            return _objects[kind].GetValueOrDefault(StoredObject.StoreKey(ns, name));
        }
    }

    public StoredObject? GetPodByUid(string uid)
    {
        lock (_gate)
        {
            return _podKeyByUid.TryGetValue(uid, out var key) ? _objects[ResourceKind.Pods].GetValueOrDefault(key) : null;
        }
    }

    /// <summary>A snapshot of the current objects of a kind (all namespaces when <paramref name="ns"/> is null) and the revision it reflects.</summary>
    public (StoredObject[] Items, long Revision) List(ResourceKind kind, string? ns)
    {
        lock (_gate)
        {
            var all = _objects[kind].Values;
            var items = ns is null ? all.ToArray() : all.Where(o => o.Namespace == ns).ToArray();
            return (items, _revision);
        }
    }

    /// <summary>
    /// The objects of a kind as they were at <paramref name="revision"/> (later pages of a paginated list read the
    /// first page's snapshot, as etcd serves a continue at its revision), or null once the changes since then have
    /// left the history (upstream: the revision was compacted).
    /// </summary>
    public StoredObject[]? ListAt(ResourceKind kind, string? ns, long revision)
    {
        lock (_gate)
        {
            var changes = revision >= _revision ? [] : _history.Since(revision);
            if (changes is null)
            {
                return null;
            }

            var state = new Dictionary<string, StoredObject>(_objects[kind], StringComparer.Ordinal);
            for (var i = changes.Count - 1; i >= 0; i--)
            {
                var change = changes[i];
                if (change.Object.Kind != kind)
                {
                    continue;
                }

                if (change.Previous is { } previous)
                {
                    state[change.Object.Key] = previous;
                }
                else
                {
                    state.Remove(change.Object.Key);
                }
            }

            return ns is null ? [.. state.Values] : [.. state.Values.Where(o => o.Namespace == ns)];
        }
    }

    public StoreResult Create(ResourceKind kind, IKubernetesObject<V1ObjectMeta> obj)
    {
        lock (_gate)
        {
            var key = StoredObject.StoreKey(obj.Metadata.NamespaceProperty, obj.Metadata.Name);
            if (_objects[kind].ContainsKey(key))
            {
                return new StoreResult(StoreOutcome.AlreadyExists, null);
            }

            var stored = Commit(kind, obj);
            Index(stored);
            Publish(new WatchRecord(WatchEventType.Added, stored, null));
            journal.Append(stored, null, _revision);
            return new StoreResult(StoreOutcome.Ok, stored);
        }
    }

    /// <summary>
    /// Replaces an object. With <paramref name="expectedResourceVersion"/> the write only happens if the current version
    /// is exactly that one (optimistic concurrency); the UID must match the current object.
    /// </summary>
    public StoreResult Update(ResourceKind kind, IKubernetesObject<V1ObjectMeta> obj, long? expectedResourceVersion)
    {
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

            var stored = Commit(kind, obj);
            Index(stored);
            Publish(new WatchRecord(WatchEventType.Modified, stored, current));
            journal.Append(stored, null, _revision);
            return new StoreResult(StoreOutcome.Ok, stored);
        }
    }

    /// <summary>Removes an object (if its UID still matches); the DELETED event carries the removal's resourceVersion.</summary>
    public StoreResult Delete(ResourceKind kind, string? ns, string name, string? expectedUid)
    {
        lock (_gate)
        {
            var key = StoredObject.StoreKey(ns, name);
            if (!_objects[kind].TryGetValue(key, out var current) || (expectedUid is not null && current.Uid != expectedUid))
            {
                return new StoreResult(StoreOutcome.NotFound, null);
            }

            _objects[kind].Remove(key);
            if (kind == ResourceKind.Pods)
            {
                _podKeyByUid.Remove(current.Uid);
            }

            var tombstone = Commit(kind, kind.Deserialize(System.Text.Encoding.UTF8.GetString(current.Json)));
            Publish(new WatchRecord(WatchEventType.Deleted, tombstone, current));
            journal.Append(null, current, _revision);
            return new StoreResult(StoreOutcome.Ok, tombstone);
        }
    }

    /// <summary>
    /// Registers a watcher. <paramref name="fromResourceVersion"/> null means "current state first" (synthetic ADDED for
    /// every object); otherwise the changes after it are replayed. Returns null with the oldest resumable version when
    /// that point has left the history (410 Gone).
    /// </summary>
    public (WatchSubscription? Subscription, long Oldest) Watch(ResourceKind kind, long? fromResourceVersion)
    {
        lock (_gate)
        {
            List<WatchRecord> initial;
            if (fromResourceVersion is not { } from)
            {
                initial = _objects[kind].Values.OrderBy(o => o.ResourceVersion)
                    .Select(o => new WatchRecord(WatchEventType.Added, o, null)).ToList();
            }
            else if (from >= _revision)
            {
                initial = [];
            }
            else if (_history.Since(from) is { } replay)
            {
                initial = replay.Where(r => r.Object.Kind == kind).ToList();
            }
            else
            {
                return (null, _history.OldestResumable + 1);
            }

            var subscription = new WatchSubscription(kind, initial, Unsubscribe);
            _watchers.Add(subscription);
            return (subscription, 0);
        }
    }

    /// <summary>Closes every watch stream (shutdown).</summary>
    public void CloseWatchers()
    {
        lock (_gate)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Close();
            }

            _watchers.Clear();
        }
    }

    private void Unsubscribe(WatchSubscription subscription)
    {
        lock (_gate)
        {
            _watchers.Remove(subscription);
        }
    }

    private StoredObject Commit(ResourceKind kind, IKubernetesObject<V1ObjectMeta> obj)
    {
        _revision++;
        obj.Metadata.ResourceVersion = _revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new StoredObject(kind, obj, _revision);
    }

    private void Index(StoredObject stored)
    {
        _objects[stored.Kind][stored.Key] = stored;
        if (stored.Kind == ResourceKind.Pods)
        {
            _podKeyByUid[stored.Uid] = stored.Key;
        }
    }

    private void Publish(WatchRecord record)
    {
        _history.Append(record);
        foreach (var watcher in _watchers)
        {
            if (watcher.Kind == record.Object.Kind)
            {
                watcher.Publish(record);
            }
        }
    }
}
