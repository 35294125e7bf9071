using System.Text;
using System.Text.Json;
using Podvisor.Api.Streams;
using Podvisor.Node.Abstractions;

namespace Podvisor.Api.Tests.Streams;

/// <summary>The streaming WebSocket framing and the Status objects of the error channel, without a server.</summary>
public sealed class ChannelProtocolTests
{
    [Theory]
    [InlineData(new[] { "v5.channel.k8s.io" }, "v5.channel.k8s.io")]
    [InlineData(new[] { "v4.channel.k8s.io", "v5.channel.k8s.io" }, "v4.channel.k8s.io")]
    [InlineData(new[] { "v3.channel.k8s.io, v4.channel.k8s.io" }, "v4.channel.k8s.io")]
    [InlineData(new string[0], "")]
    [InlineData(new[] { "SPDY/3.1+portforward.k8s.io" }, null)]
    public void Negotiate_TakesTheClientsFirstServedProtocol(string[] offered, string? expected) =>
        Assert.Equal(expected, ChannelProtocol.Negotiate(offered, ChannelProtocol.ExecProtocols));

    [Fact]
    public void Frame_IsTheChannelByte_ThenThePrefix_ThenTheData()
    {
        Assert.Equal([1, (byte)'h', (byte)'i'], ChannelProtocol.Frame(ChannelProtocol.Stdout, [], "hi"u8));
        Assert.Equal([2, 0x90, 0x1f], ChannelProtocol.Frame(2, ChannelProtocol.PortPrefix(8080), []));
        Assert.Equal([3], ChannelProtocol.Frame(ChannelProtocol.Error, [], []));
    }

    [Fact]
    public void ParseResize_ReadsEveryObject_IgnoringCaseAndUnknownFields_AndStopsAtGarbage()
    {
        var sizes = ChannelProtocol.ParseResize("{\"Width\":120,\"Height\":40}\n{\"width\":80,\"height\":24,\"x\":[1]}\n{oops"u8);

        Assert.Equal([new TerminalSize(120, 40), new TerminalSize(80, 24)], sizes);
    }

    [Fact]
    public void ExitCodeStatus_IsWhatTheStreamTranslatorWrites_SoKubectlExitsWithTheCode()
    {
        using var status = JsonDocument.Parse(ChannelProtocol.ExitCodeStatus(3));
        var root = status.RootElement;

        Assert.Equal("Failure", root.GetProperty("status").GetString());
        Assert.Equal("NonZeroExitCode", root.GetProperty("reason").GetString());
        Assert.Equal("command terminated with non-zero exit code: command terminated with exit code 3", root.GetProperty("message").GetString());
        var cause = Assert.Single(root.GetProperty("details").GetProperty("causes").EnumerateArray());
        Assert.Equal("ExitCode", cause.GetProperty("reason").GetString());
        Assert.Equal("3", cause.GetProperty("message").GetString());
        Assert.False(root.TryGetProperty("code", out _));
    }

    [Fact]
    public void SuccessAndInternalErrorStatuses_MatchApimachinery()
    {
        Assert.Equal("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Success\"}", Encoding.UTF8.GetString(ChannelProtocol.SuccessStatus()));

        using var error = JsonDocument.Parse(ChannelProtocol.InternalErrorStatus("boom \"x\""));
        Assert.Equal("Internal error occurred: boom \"x\"", error.RootElement.GetProperty("message").GetString());
        Assert.Equal("InternalError", error.RootElement.GetProperty("reason").GetString());
        Assert.Equal(500, error.RootElement.GetProperty("code").GetInt32());
        Assert.Equal("boom \"x\"", error.RootElement.GetProperty("details").GetProperty("causes")[0].GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("8080", new ushort[] { 8080 }, null)]
    [InlineData("80,443", new ushort[] { 80, 443 }, null)]
    [InlineData("", null, "query parameter \"port\" cannot be empty")]
    [InlineData("0", null, "port \"0\" must be > 0")]
    [InlineData("http", null, "unable to parse \"http\" as a port: strconv.ParseUint: parsing \"http\": invalid syntax")]
    public void PortForwardPorts_ParseAsTheKubelet(string query, ushort[]? ports, string? error)
    {
        var (parsed, message) = PortForwardPorts.Parse(new Microsoft.AspNetCore.Http.QueryCollection(new Dictionary<string, Microsoft.Extensions.Primitives.StringValues> { ["ports"] = query }));

        Assert.Equal(ports, parsed?.ToArray());
        Assert.Equal(error, message);
    }
}
