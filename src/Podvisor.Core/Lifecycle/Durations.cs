namespace Podvisor.Core.Lifecycle;

/// <summary>
/// Durations from API values, saturated instead of throwing. The apiserver accepts any int32/int64 seconds (e.g.
/// <c>initialDelaySeconds: 2147483647</c>, <c>terminationGracePeriodSeconds</c> up to int64 max); Go's time.Duration
/// holds up to ~292 years and its timers take any duration, while .NET's TimeSpan.FromSeconds throws beyond ~29,000
/// years and every .NET timer (ITimer.Change, Task.Delay, WaitAsync, CancelAfter) throws beyond 2^32-2 ms (~49.7
/// days). A timer clamped to that maximum fires early; every caller re-checks its due time when it fires.
/// </summary>
public static class Durations
{
    /// <summary>The longest due time a .NET timer accepts (0xFFFFFFFE ms).</summary>
    public static readonly TimeSpan MaxTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>Go's longest duration, math.MaxInt64 nanoseconds, in whole seconds.</summary>
    private const long MaxSeconds = long.MaxValue / 1_000_000_000;

    /// <summary>Seconds as a TimeSpan: negative is zero, beyond Go's range is Go's maximum.</summary>
    public static TimeSpan Seconds(long seconds) => TimeSpan.FromSeconds(Math.Clamp(seconds, 0, MaxSeconds));

    /// <summary>A due time any .NET timer accepts: [0, <see cref="MaxTimer"/>].</summary>
    public static TimeSpan TimerDue(TimeSpan due) => due <= TimeSpan.Zero ? TimeSpan.Zero : due >= MaxTimer ? MaxTimer : due;

    /// <summary><see cref="TimerDue"/> of <see cref="Seconds"/>: for timers set straight from an API value.</summary>
    public static TimeSpan TimerSeconds(long seconds) => TimerDue(Seconds(seconds));
}
