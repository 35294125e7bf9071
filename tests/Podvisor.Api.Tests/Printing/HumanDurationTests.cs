using Podvisor.Api.Printing;

namespace Podvisor.Api.Tests.Printing;

/// <summary>HumanDuration against apimachinery util/duration's rules.</summary>
public sealed class HumanDurationTests
{
    public static TheoryData<double, string> Cases => new()
    {
        { -3, "<invalid>" }, { -1.5, "0s" }, { 0, "0s" }, { 1, "1s" }, { 119, "119s" }, { 120, "2m" }, { 121, "2m1s" },
        { 599, "9m59s" }, { 600, "10m" }, { 601, "10m" }, { 3 * 3600 - 1, "179m" }, { 3 * 3600, "3h" }, { 3 * 3600 + 60, "3h1m" },
        { 8 * 3600 - 1, "7h59m" }, { 8 * 3600, "8h" }, { 34 * 3600, "34h" }, { 48 * 3600 - 1, "47h" }, { 48 * 3600, "2d" },
        { 49 * 3600, "2d1h" }, { 8 * 86400 - 1, "7d23h" }, { 8 * 86400, "8d" }, { 730 * 86400 - 1, "729d" }, { 730 * 86400, "2y" },
        { 731 * 86400, "2y1d" }, { 8 * 365 * 86400, "8y" }, { 20 * 365 * 86400, "20y" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void FormatsLikeKubectl(double seconds, string expected) => Assert.Equal(expected, HumanDuration.Format(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void UnsetTimestampsAreUnknown() => Assert.Equal("<unknown>", HumanDuration.Since(null, DateTimeOffset.UnixEpoch));
}
