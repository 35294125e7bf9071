using System.Threading.Channels;

namespace Podvisor.Runtime.Contract;

/// <summary>
/// The events read so far from one runtime instance, for tests: a wait returns at once for an event already read,
/// else reads on under the caller's deadline; nothing sleeps.
/// </summary>
public sealed class EventLog(ChannelReader<ContainerEvent> events)
{
    private readonly List<ContainerEvent> _seen = [];

    public IReadOnlyList<ContainerEvent> Seen => _seen;

    /// <summary>Reads the next event into the log.</summary>
    public async Task<ContainerEvent> ReadAsync(CancellationToken ct)
    {
        var next = await events.ReadAsync(ct);
        _seen.Add(next);
        return next;
    }

    /// <summary>The container's first event of <paramref name="type"/>, reading until it arrives.</summary>
    public async Task<ContainerEvent> WaitForAsync(string containerId, ContainerEventType type, CancellationToken ct)
    {
        while (true)
        {
            if (_seen.FirstOrDefault(e => e.ContainerId == containerId && e.Type == type) is { } seen)
            {
                return seen;
            }

            await ReadAsync(ct);
        }
    }
}
