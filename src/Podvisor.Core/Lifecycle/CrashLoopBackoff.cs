using k8s.Models;

namespace Podvisor.Core.Lifecycle;

/// <summary>
/// Per-node CrashLoopBackOff (spec §9, §D9), a port of client-go flowcontrol.Backoff as the kubelet configures it:
/// initial 10 s doubling to a max of 300 s (configurable 1 s..300 s; a max below 10 s also lowers the initial), entries
/// reset when the last update is more than 10 minutes before the event. "now" is always passed in.
/// </summary>
public sealed class CrashLoopBackoff
{
    public static readonly TimeSpan DefaultInitial = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultMax = TimeSpan.FromSeconds(300);
    public static readonly TimeSpan ResetAfter = TimeSpan.FromSeconds(600);

    public CrashLoopBackoff(TimeSpan? max = null)
    {
        throw new NotImplementedException();
    }

    public TimeSpan Initial { get; }

    public TimeSpan Max { get; }

    /// <summary>Mirrors kubelet GetBackoffKey: <c>podName_namespace_podUID_containerName_containerHash</c>.</summary>
    public static string Key(V1Pod pod, V1Container container) => throw new NotImplementedException();

    /// <summary>flowcontrol IsInBackOffSince: false without an entry or when expired; else now - eventTime &lt; backoff.</summary>
    public bool IsInBackOffSince(string key, DateTimeOffset eventTime, DateTimeOffset now, out TimeSpan backoff) => throw new NotImplementedException();

    /// <summary>flowcontrol Next: a new or expired entry starts at Initial, else doubles up to Max; lastUpdate = now.</summary>
    public void Next(string key, DateTimeOffset eventTime, DateTimeOffset now) => throw new NotImplementedException();

    /// <summary>Current backoff for a key (zero when none).</summary>
    public TimeSpan Get(string key) => throw new NotImplementedException();

    /// <summary>Drops every entry whose key belongs to the pod UID (the pod was deleted).</summary>
    public void ForgetPod(string podUid) => throw new NotImplementedException();
}
