using Microsoft.Extensions.Logging;

namespace Podvisor.Agent;

public sealed partial class PodAgent
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Sync of pod {Pod} failed; retrying in {Delay}")]
    internal partial void SyncFailed(Exception ex, string pod, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed the containers, sandboxes, volumes and logs of pod {Uid}, which no longer exists")]
    internal partial void OrphanRemoved(string uid);
}
