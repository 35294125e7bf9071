using Podvisor.Core.Model;

namespace Podvisor.Core.Tests.Model;

/// <summary>GoDuration.Format against Go's time.Duration.String outputs.</summary>
public class GoDurationTests
{
    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(313 * TimeSpan.TicksPerMillisecond, "313ms")]
    [InlineData(15 * TimeSpan.TicksPerMicrosecond / 10, "1.5µs")]
    [InlineData(1234 * TimeSpan.TicksPerMillisecond, "1.234s")]
    [InlineData(10 * TimeSpan.TicksPerSecond, "10s")]
    [InlineData(123500 * TimeSpan.TicksPerMillisecond, "2m3.5s")]
    [InlineData(TimeSpan.TicksPerHour, "1h0m0s")]
    public void Format_PrintsTicksAsGo(long ticks, string expected) => Assert.Equal(expected, GoDuration.Format(TimeSpan.FromTicks(ticks)));

    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(100L, "100ns")]
    [InlineData(1_000L, "1µs")]
    [InlineData(1_500L, "1.5µs")]
    [InlineData(1_000_000L, "1ms")]
    [InlineData(1_500_000L, "1.5ms")]
    [InlineData(999_999_900L, "999.9999ms")]
    [InlineData(1_000_000_000L, "1s")]
    [InlineData(1_500_000_000L, "1.5s")]
    [InlineData(10_000_000_000L, "10s")]
    [InlineData(20_000_000_000L, "20s")]
    [InlineData(59_000_000_000L, "59s")]
    [InlineData(60_000_000_000L, "1m0s")]
    [InlineData(80_000_000_000L, "1m20s")]
    [InlineData(160_000_000_000L, "2m40s")]
    [InlineData(300_000_000_000L, "5m0s")]
    [InlineData(3_600_000_000_000L, "1h0m0s")]
    [InlineData(3_723_000_000_000L, "1h2m3s")]
    [InlineData(7_384_005_000_000L, "2h3m4.005s")]
    [InlineData(90_061_000_000_000L, "25h1m1s")]
    [InlineData(-1_500_000_000L, "-1.5s")]
    [InlineData(-80_000_000_000L, "-1m20s")]
    public void Format_MatchesGoDurationString(long nanoseconds, string expected) =>
        Assert.Equal(expected, GoDuration.Format(TimeSpan.FromTicks(nanoseconds / 100)));

    [Fact]
    public void Format_ExtremesDoNotThrow()
    {
        Assert.StartsWith("-", GoDuration.Format(TimeSpan.MinValue));
        Assert.EndsWith("s", GoDuration.Format(TimeSpan.MaxValue));
    }
}
