using Podvisor.Core.Model;

namespace Podvisor.Core.Tests.Model;

/// <summary>GoFormat.Duration against Go's time.Duration.String outputs.</summary>
public sealed class GoFormatDurationTests
{
    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(313 * TimeSpan.TicksPerMillisecond, "313ms")]
    [InlineData(15 * TimeSpan.TicksPerMicrosecond / 10, "1.5µs")]
    [InlineData(1234 * TimeSpan.TicksPerMillisecond, "1.234s")]
    [InlineData(10 * TimeSpan.TicksPerSecond, "10s")]
    [InlineData(123500 * TimeSpan.TicksPerMillisecond, "2m3.5s")]
    [InlineData(TimeSpan.TicksPerHour, "1h0m0s")]
    public void Prints_as_Go(long ticks, string expected) => Assert.Equal(expected, GoFormat.Duration(TimeSpan.FromTicks(ticks)));
}
