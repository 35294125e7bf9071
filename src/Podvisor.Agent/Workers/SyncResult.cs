namespace Podvisor.Agent.Workers;

/// <summary>
/// The outcome of carrying out a plan (kubelet PodSyncResult, reduced to what the worker acts on). A failed action
/// (sandbox creation, container creation or start) sets <see cref="RetryAt"/>: the next sync waits for it instead of
/// following at once, as kubelet podWorkers requeue a failed sync after backOffPeriod; without it a start that leaves
/// no instance behind (CreateContainerConfigError) would spin. An image pull failure retries when its backoff ends.
/// </summary>
internal readonly record struct SyncResult(DateTimeOffset? RetryAt)
{
    /// <summary>After a failed action the next sync follows this much later (kubelet backOffPeriod).</summary>
    public static readonly TimeSpan ErrorBackoff = TimeSpan.FromSeconds(10);

    public static SyncResult Ok => default;

    public bool Failed => RetryAt is not null;

    /// <summary>A failed action: retry at <paramref name="at"/>, or <see cref="ErrorBackoff"/> from <paramref name="now"/>.</summary>
    public static SyncResult Failure(DateTimeOffset now, DateTimeOffset? at = null) => new(at ?? now + ErrorBackoff);

    /// <summary>Both outcomes: failed if either failed, retrying at the earlier time.</summary>
    public SyncResult And(SyncResult other) =>
        RetryAt is { } a && other.RetryAt is { } b ? new(a < b ? a : b) : new(RetryAt ?? other.RetryAt);
}
