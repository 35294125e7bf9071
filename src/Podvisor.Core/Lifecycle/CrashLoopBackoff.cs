using k8s.Models;
using Podvisor.Core.Model;

namespace Podvisor.Core.Lifecycle;

/// <summary>
/// Per-node CrashLoopBackOff (docs/lifecycle.md §9, §D9), a port of client-go flowcontrol.Backoff as the kubelet configures it:
/// initial 10 s doubling to a max of 300 s (configurable 1 s..300 s; a max below 10 s also lowers the initial), entries
/// reset when the last update is more than 10 minutes before the event. "now" is always passed in. No jitter (the
/// kubelet's backoff has none). Safe to call from many pod workers at once.
/// </summary>
public sealed class CrashLoopBackoff
{
    public static readonly TimeSpan DefaultInitial = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultMax = TimeSpan.FromSeconds(300);
    public static readonly TimeSpan ResetAfter = TimeSpan.FromSeconds(600);

    /// <summary>The smallest <c>crashLoopBackOff.maxContainerRestartPeriod</c> the kubelet accepts.</summary>
    public static readonly TimeSpan MinMax = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <param name="max">KubeletCrashLoopBackOffMax: 1 s..300 s; null means the default 300 s.</param>
    /// <exception cref="ArgumentOutOfRangeException">The max is outside 1 s..300 s (the CLI validates it first).</exception>
    public CrashLoopBackoff(TimeSpan? max = null)
    {
        var boMax = max ?? DefaultMax;
        ArgumentOutOfRangeException.ThrowIfLessThan(boMax, MinMax, nameof(max));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(boMax, DefaultMax, nameof(max));

        // Mirrors kubelet.go: "if boMax < boInitial { boInitial = boMax }".
        Max = boMax;
        Initial = boMax < DefaultInitial ? boMax : DefaultInitial;
    }

    public TimeSpan Initial { get; }

    public TimeSpan Max { get; }

    /// <summary>Mirrors kubelet GetBackoffKey: <c>podName_namespace_podUID_containerName_containerHash</c>.</summary>
    public static string Key(V1Pod pod, V1Container container) => Key(pod, container, ContainerHash.Compute(container));

    /// <inheritdoc cref="Key(V1Pod, V1Container)"/>
    /// <param name="hash">The container's <see cref="ContainerHash"/>, when already known.</param>
    public static string Key(V1Pod pod, V1Container container, string hash) =>
        $"{pod.Metadata?.Name}_{pod.Metadata?.NamespaceProperty}_{pod.Metadata?.Uid}_{container.Name}_{hash}";

    /// <summary>flowcontrol IsInBackOffSince: false without an entry or when expired; else now - eventTime &lt; backoff.</summary>
    /// <param name="backoff">The entry's current backoff (zero without an entry), for the <c>back-off 20s ...</c> message.</param>
    public bool IsInBackOffSince(string key, DateTimeOffset eventTime, DateTimeOffset now, out TimeSpan backoff)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                backoff = TimeSpan.Zero;
                return false;
            }

            backoff = entry.Backoff;
            return !HasExpired(eventTime, entry.LastUpdate) && now - eventTime < entry.Backoff;
        }
    }

    /// <summary>flowcontrol Next: a new or expired entry starts at Initial, else doubles up to Max; lastUpdate = now.</summary>
    public void Next(string key, DateTimeOffset eventTime, DateTimeOffset now)
    {
        lock (_lock)
        {
            var backoff = _entries.TryGetValue(key, out var entry) && !HasExpired(eventTime, entry.LastUpdate)
                ? Min(entry.Backoff * 2, Max)
                : Initial;
            _entries[key] = new Entry(backoff, now);
        }
    }

    /// <summary>Current backoff for a key (zero when none).</summary>
    public TimeSpan Get(string key)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(key, out var entry) ? entry.Backoff : TimeSpan.Zero;
        }
    }

    /// <summary>Drops every entry whose key belongs to the pod UID (the pod was deleted).</summary>
    public void ForgetPod(string podUid)
    {
        lock (_lock)
        {
            foreach (var key in _entries.Keys.Where(k => PodUidOf(k) == podUid).ToList())
            {
                _entries.Remove(key);
            }
        }
    }

    /// <summary>The kubelet's HasExpiredFunc: a fixed 10-minute window, independent of the max.</summary>
    private static bool HasExpired(DateTimeOffset eventTime, DateTimeOffset lastUpdate) => eventTime - lastUpdate > ResetAfter;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>The UID segment of a <see cref="Key"/>; names, namespaces and UIDs never contain '_'.</summary>
    private static string? PodUidOf(string key)
    {
        var parts = key.Split('_');
        return parts.Length == 5 ? parts[2] : null;
    }

    private readonly record struct Entry(TimeSpan Backoff, DateTimeOffset LastUpdate);
}
