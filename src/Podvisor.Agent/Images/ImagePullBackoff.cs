namespace Podvisor.Agent.Images;

/// <summary>
/// The kubelet's image backoff (flowcontrol.NewBackOff(imageBackOffPeriod, MaxImageBackOff)): per key, 10 s after
/// the first failed pull, doubling to 300 s; an entry untouched for twice the max starts over and is collected.
/// </summary>
internal sealed class ImagePullBackoff
{
    public static readonly TimeSpan Initial = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan Max = TimeSpan.FromSeconds(300);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>flowcontrol IsInBackOffSinceUpdate: true while now - lastUpdate &lt; backoff; <paramref name="until"/> is when it ends.</summary>
    public bool IsInBackOff(string key, DateTimeOffset now, out DateTimeOffset until)
    {
        lock (_lock)
        {
            until = default;
            if (!_entries.TryGetValue(key, out var entry) || HasExpired(entry, now))
            {
                return false;
            }

            until = entry.LastUpdate + entry.Backoff;
            return now < until;
        }
    }

    /// <summary>flowcontrol Next: a new or expired entry starts at <see cref="Initial"/>, else doubles up to <see cref="Max"/>.</summary>
    public void Next(string key, DateTimeOffset now)
    {
        lock (_lock)
        {
            var backoff = _entries.TryGetValue(key, out var entry) && !HasExpired(entry, now)
                ? TimeSpan.FromTicks(Math.Min(entry.Backoff.Ticks * 2, Max.Ticks))
                : Initial;
            _entries[key] = new Entry(backoff, now);
        }
    }

    /// <summary>flowcontrol GC: drops expired entries (the kubelet runs it after each successful pull).</summary>
    public void Collect(DateTimeOffset now)
    {
        lock (_lock)
        {
            foreach (var key in _entries.Where(e => HasExpired(e.Value, now)).Select(e => e.Key).ToList())
            {
                _entries.Remove(key);
            }
        }
    }

    private static bool HasExpired(Entry entry, DateTimeOffset now) => now - entry.LastUpdate > 2 * Max;

    private readonly record struct Entry(TimeSpan Backoff, DateTimeOffset LastUpdate);
}
