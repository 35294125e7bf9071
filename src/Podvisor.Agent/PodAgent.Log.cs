using Microsoft.Extensions.Logging;

namespace Podvisor.Agent;

public sealed partial class PodAgent
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Sync of pod {Pod} failed; retrying in {Delay}")]
    internal partial void SyncFailed(Exception ex, string pod, TimeSpan delay);
}
