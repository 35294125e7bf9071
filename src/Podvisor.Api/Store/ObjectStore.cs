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

/// <summary>
/// The in-memory index of current objects, the global resourceVersion and the watch fan-out. One short lock guards
/// all of it; nothing inside the lock does I/O. Writes are made durable by group commit (ObjectStore.Commit.cs): a
/// write returns once its journal transaction has committed, watchers see only committed changes, and a failed commit
/// rolls memory back to the last committed state.
/// </summary>
internal sealed partial class ObjectStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ResourceKind, Dictionary<string, StoredObject>> _objects =
        ResourceKind.All.ToDictionary(k => k, _ => new Dictionary<string, StoredObject>(StringComparer.Ordinal));
    private readonly Dictionary<string, string> _podKeyByUid = new(StringComparer.Ordinal);
    private readonly WatchHistory _history;
    private readonly List<WatchSubscription> _watchers = [];
    private long _revision;

    public ObjectStore(IStoreJournal journal, int historyCapacity = 10_000)
    {
        _journal = journal;
        _history = new WatchHistory(historyCapacity);
        _commitLoop = Task.Run(CommitLoop);
    }

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
            _committedRevision = revision;
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

            // Changes still committing are in the initial state already (or older than the resume point): skip them.
            var subscription = new WatchSubscription(kind, initial, fromResourceVersion ?? _revision, Unsubscribe);
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
