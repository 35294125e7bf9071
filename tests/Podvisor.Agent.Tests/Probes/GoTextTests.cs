using Podvisor.Core.Model;
using Podvisor.Agent.Probes;

namespace Podvisor.Agent.Tests.Probes;

/// <summary>Go-compatible renderings used in probe and hook messages, and $(VAR) expansion.</summary>
public sealed class GoTextTests
{
    [Theory]
    [InlineData("", "\"\"")]
    [InlineData("sh -c exit 1", "\"sh -c exit 1\"")]
    [InlineData("a\"b\\c", "\"a\\\"b\\\\c\"")]
    [InlineData("line\n\ttab\r", "\"line\\n\\ttab\\r\"")]
    [InlineData("\u0001\u007f", "\"\\x01\\x7f\"")]
    [InlineData("héllo", "\"héllo\"")]
    public void Quote_IsGoPercentQ(string input, string expected) => Assert.Equal(expected, GoFormat.Quote(input));

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(1, "1s")]
    [InlineData(59, "59s")]
    [InlineData(60, "1m0s")]
    [InlineData(90, "1m30s")]
    [InlineData(3600, "1h0m0s")]
    [InlineData(3725, "1h2m5s")]
    public void Duration_IsGoDurationString(int seconds, string expected) => Assert.Equal(expected, GoDuration.Format(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData("10.0.0.1", 80, "10.0.0.1:80")]
    [InlineData("fd00::5", 8080, "[fd00::5]:8080")]
    [InlineData("svc.local", 443, "svc.local:443")]
    public void JoinHostPort_BracketsIPv6(string host, int port, string expected) => Assert.Equal(expected, GoText.JoinHostPort(host, port));

    [Fact]
    public void Slice_IsGoPercentV() => Assert.Equal("[sh -c exit 1]", GoText.Slice(["sh", "-c", "exit 1"]));

    [Theory]
    [InlineData("$(A)", "1")]
    [InlineData("x$(A)y$(B)z", "x1y2z")]
    [InlineData("$(MISSING)", "$(MISSING)")]
    [InlineData("$$(A)", "$(A)")]
    [InlineData("$$", "$")]
    [InlineData("$", "$")]
    [InlineData("a$", "a$")]
    [InlineData("$x", "$x")]
    [InlineData("$(A", "$(A")]
    [InlineData("$()", "$()")]
    [InlineData("no vars", "no vars")]
    public void Expand_MirrorsKubernetesExpansion(string input, string expected) =>
        Assert.Equal(expected, CommandExpansion.Expand(input, new Dictionary<string, string> { ["A"] = "1", ["B"] = "2" }));
}
