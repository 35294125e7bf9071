namespace Podvisor.Api.Watch;

/// <summary>
/// A bounded ring of the most recent changes, for watches that resume from a resourceVersion. Every committed change
/// is appended, so the resource versions held are contiguous and a resume point is available iff it is not older
/// than the oldest change kept (upstream: the watch cache's sliding window; older versions get 410 Gone).
/// Not thread-safe: the store calls it under its lock.
/// </summary>
internal sealed class WatchHistory(int capacity)
{
    private readonly WatchRecord[] _ring = new WatchRecord[capacity];
    private int _start;
    private int _count;

    /// <summary>The revision before the oldest kept change: resuming from it or later is possible.</summary>
    public long OldestResumable { get; private set; }

    public void Reset(long revision)
    {
        _start = 0;
        _count = 0;
        Array.Clear(_ring);
        OldestResumable = revision;
    }

    public void Append(WatchRecord record)
    {
        if (_count == _ring.Length)
        {
            OldestResumable = _ring[_start].ResourceVersion;
            _ring[_start] = record;
            _start = (_start + 1) % _ring.Length;
            return;
        }

        _ring[(_start + _count) % _ring.Length] = record;
        _count++;
    }

    /// <summary>Changes after <paramref name="resourceVersion"/>, oldest first; null when they are no longer all kept.</summary>
    public List<WatchRecord>? Since(long resourceVersion)
    {
        if (resourceVersion < OldestResumable)
        {
            return null;
        }

        var result = new List<WatchRecord>();
        for (var i = 0; i < _count; i++)
        {
            var record = _ring[(_start + i) % _ring.Length];
            if (record.ResourceVersion > resourceVersion)
            {
                result.Add(record);
            }
        }

        return result;
    }
}
