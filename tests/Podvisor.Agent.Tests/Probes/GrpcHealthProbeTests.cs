using System.Buffers.Binary;
using System.Net;
using CsCheck;
using Google.Protobuf;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Podvisor.Agent.Probes;

namespace Podvisor.Agent.Tests.Probes;

/// <summary>A Kestrel gRPC health server over HTTP/2 cleartext; the test decides each answer from the service name.</summary>
internal sealed class GrpcHealthServer(WebApplication app, int port, List<string> services) : IAsyncDisposable
{
    public int Port { get; } = port;

    /// <summary>The service names the server was asked about, in order.</summary>
    public IReadOnlyList<string> Seen => services;

    /// <param name="respond">service name to (serving status or null for no message, grpc-status, grpc-message).</param>
    public static async Task<GrpcHealthServer> StartAsync(Func<string, (int? Serving, int Code, string Message)> respond, bool mapHealth = true)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        var services = new List<string>();
        if (mapHealth)
        {
            app.MapPost(GrpcHealthCodec.CheckPath, async context =>
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                var service = HealthServerCodec.DecodeRequest(body.ToArray());
                lock (services)
                {
                    services.Add(service);
                }

                var (serving, code, message) = respond(service);
                context.Response.ContentType = "application/grpc";
                if (serving is { } status)
                {
                    await context.Response.Body.WriteAsync(HealthServerCodec.EncodeResponse(status));
                }

                context.Response.AppendTrailer("grpc-status", code.ToString(System.Globalization.CultureInfo.InvariantCulture));
                context.Response.AppendTrailer("grpc-message", Uri.EscapeDataString(message));
            });
        }

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GrpcHealthServer(app, new Uri(address).Port, services);
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}

/// <summary>
/// The health server's half of grpc.health.v1 (HealthCheckRequest in, HealthCheckResponse out) written with
/// Google.Protobuf, so the probe's hand-written codec is checked against an independent one.
/// </summary>
internal static class HealthServerCodec
{
    /// <summary>The service name of a framed HealthCheckRequest.</summary>
    public static string DecodeRequest(byte[] body)
    {
        Assert.True(body.Length >= 5 && body[0] == 0 && BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1)) == body.Length - 5, "not one uncompressed gRPC message");
        var input = new CodedInputStream(body, 5, body.Length - 5);
        var service = "";
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (tag == WireFormat.MakeTag(1, WireFormat.WireType.LengthDelimited))
            {
                service = input.ReadString();
            }
            else
            {
                input.SkipLastField();
            }
        }

        return service;
    }

    /// <summary>A framed HealthCheckResponse; status 0 (UNKNOWN), the proto3 default, is omitted.</summary>
    public static byte[] EncodeResponse(int status)
    {
        using var message = new MemoryStream();
        using (var output = new CodedOutputStream(message, leaveOpen: true))
        {
            if (status != 0)
            {
                output.WriteTag(1, WireFormat.WireType.Varint);
                output.WriteEnum(status);
            }
        }

        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.ToArray().CopyTo(frame, 5);
        return frame;
    }
}

/// <summary>The grpc probe against a real h2c server, and the hand-written protobuf framing against Google.Protobuf.</summary>
public sealed class GrpcHealthProbeTests
{
    private static Task<ProbeOutcome> Probe(int port, string? service = null) =>
        new ProbeExecutor(new FakeExecRuntime((_, _) => throw new InvalidOperationException())).ProbeAsync(
            new V1Probe { Grpc = new V1GRPCAction { Port = port, Service = service }, TimeoutSeconds = 10 },
            new ProbeContext(Specs.Pod(), Specs.Container(), "cid", "127.0.0.1"),
            CancellationToken.None).AsTask();

    [Fact]
    public async Task Serving_IsHealthy_AndTheServiceNameIsSent()
    {
        await using var server = await GrpcHealthServer.StartAsync(_ => (1, 0, ""));

        Assert.Equal(ProbeOutcome.Success("service healthy"), await Probe(server.Port));
        Assert.Equal(ProbeOutcome.Success("service healthy"), await Probe(server.Port, "my.Service"));
        Assert.Equal(["", "my.Service"], server.Seen);
    }

    [Theory]
    [InlineData(2, "service unhealthy (responded with \"NOT_SERVING\")")]
    [InlineData(0, "service unhealthy (responded with \"UNKNOWN\")")]
    [InlineData(3, "service unhealthy (responded with \"SERVICE_UNKNOWN\")")]
    public async Task NotServing_IsAFailure(int status, string message)
    {
        await using var server = await GrpcHealthServer.StartAsync(_ => (status, 0, ""));

        Assert.Equal(ProbeOutcome.Failure(message), await Probe(server.Port));
    }

    [Fact]
    public async Task ErrorStatuses_UseUpstreamTexts()
    {
        await using var server = await GrpcHealthServer.StartAsync(service => service == "gone"
            ? (null, 5, "unknown service gone")
            : (null, 12, "unknown service grpc.health.v1.Health"));

        Assert.Equal(ProbeOutcome.Failure("error: health rpc probe failed: rpc error: code = NotFound desc = unknown service gone"), await Probe(server.Port, "gone"));
        Assert.Equal(ProbeOutcome.Failure("error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unknown service grpc.health.v1.Health"), await Probe(server.Port));
    }

    [Fact]
    public async Task ServerWithoutHealthService_IsUnimplemented()
    {
        await using var server = await GrpcHealthServer.StartAsync(_ => (1, 0, ""), mapHealth: false);

        Assert.Equal(ProbeOutcome.Failure("error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unexpected HTTP status code received from server: 404 (Not Found)"),
            await Probe(server.Port));
    }

    [Fact]
    public async Task NoConnection_IsTheDialDeadlineMessage()
    {
        var closed = ClosedPort.Get();
        await using var http1 = new TinyHttpServer(_ => TinyHttpServer.Response(200));

        Assert.Equal(ProbeOutcome.Failure($"timeout: failed to connect service \"127.0.0.1:{closed}\" within 10s: context deadline exceeded"), await Probe(closed));
        Assert.Equal(ProbeOutcome.Failure($"timeout: failed to connect service \"127.0.0.1:{http1.Port}\" within 10s: context deadline exceeded"), await Probe(http1.Port));
    }

    [Fact]
    public void Codec_KnownBytes()
    {
        Assert.Equal([0, 0, 0, 0, 0], GrpcHealthCodec.EncodeCheckRequest(""));
        Assert.Equal([0, 0, 0, 0, 5, 0x0A, 3, (byte)'f', (byte)'o', (byte)'o'], GrpcHealthCodec.EncodeCheckRequest("foo"));
        Assert.True(GrpcHealthCodec.TryDecodeCheckResponse([0, 0, 0, 0, 2, 0x08, 1], out var serving));
        Assert.Equal(1, serving);
        Assert.True(GrpcHealthCodec.TryDecodeCheckResponse([0, 0, 0, 0, 3, 0x08, 0xAC, 0x02], out var large));
        Assert.Equal(300, large);
    }

    [Fact]
    public void Codec_SkipsUnknownFields()
    {
        // field 2 (string "x"), field 3 (fixed64), field 4 (fixed32), then status = 2
        byte[] body = [0, 0, 0, 0, 19, 0x12, 1, (byte)'x', 0x19, 1, 2, 3, 4, 5, 6, 7, 8, 0x25, 1, 2, 3, 4, 0x08, 2];

        Assert.True(GrpcHealthCodec.TryDecodeCheckResponse(body, out var status));
        Assert.Equal(2, status);
    }

    [Fact]
    public void Codec_RoundTripsAnyServiceName() =>
        Gen.String.Sample(service => HealthServerCodec.DecodeRequest(GrpcHealthCodec.EncodeCheckRequest(service)) == service);

    [Fact]
    public void Codec_RoundTripsAnyStatus() =>
        Gen.Int[0, int.MaxValue].Sample(status => GrpcHealthCodec.TryDecodeCheckResponse(HealthServerCodec.EncodeResponse(status), out var decoded) && decoded == status);

    [Fact]
    public void Codec_ArbitraryBytesNeverThrow() =>
        Gen.Byte.Array[0, 40].Sample(bytes =>
        {
            GrpcHealthCodec.TryDecodeCheckResponse(bytes, out _);
        });
}
