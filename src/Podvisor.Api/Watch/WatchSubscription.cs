using System.Threading.Channels;
using Podvisor.Api.Store;

namespace Podvisor.Api.Watch;

/// <summary>
/// A live registration for changes of one kind. <see cref="Initial"/> holds what happened before registration (history
/// replay or synthetic ADDED events) and <see cref="Changes"/> everything after, with no gap and no overlap.
/// </summary>
internal sealed class WatchSubscription : IDisposable
{
    /// <summary>A watcher that falls this far behind is closed; the client re-lists (as a slow watcher upstream).</summary>
    private const int MaxPending = 100_000;

    // Multi-reader mode only because it supports Count (the slow-watcher check); there is one reader.
    private readonly Channel<WatchRecord> _channel = Channel.CreateUnbounded<WatchRecord>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Action<WatchSubscription> _unsubscribe;

    private readonly long _after;

    /// <param name="after">Changes at or below this resourceVersion are covered by <paramref name="initial"/> or the resume point.</param>
    public WatchSubscription(ResourceKind kind, IReadOnlyList<WatchRecord> initial, long after, Action<WatchSubscription> unsubscribe)
    {
        Kind = kind;
        Initial = initial;
        _after = after;
        _unsubscribe = unsubscribe;
    }

    public ResourceKind Kind { get; }

    public IReadOnlyList<WatchRecord> Initial { get; }

    public ChannelReader<WatchRecord> Changes => _channel.Reader;

    /// <summary>Called by the store under its lock; never blocks.</summary>
    public void Publish(WatchRecord record)
    {
        if (record.ResourceVersion <= _after)
        {
            return;
        }

        if (_channel.Reader.Count >= MaxPending)
        {
            _channel.Writer.TryComplete();
            return;
        }

        _channel.Writer.TryWrite(record);
    }

    public void Close() => _channel.Writer.TryComplete();

    public void Dispose()
    {
        _unsubscribe(this);
        Close();
    }
}
