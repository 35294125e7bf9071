using k8s;
using Podvisor.Api.Store;

namespace Podvisor.Api.Watch;

/// <summary>
/// One committed change. <see cref="Previous"/> is the version before a modification, so a watcher with a selector can
/// turn a change that moves an object into or out of its selection into ADDED or DELETED (as the watch cache does).
/// </summary>
internal sealed record WatchRecord(WatchEventType Type, StoredObject Object, StoredObject? Previous)
{
    public long ResourceVersion => Object.ResourceVersion;
}
