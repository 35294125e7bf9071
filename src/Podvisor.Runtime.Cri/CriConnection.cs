using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using Podvisor.Runtime.Cri.Containerd;
using Podvisor.Runtime.Cri.V1;

namespace Podvisor.Runtime.Cri;

/// <summary>
/// One HTTP/2 gRPC channel to a CRI endpoint (<c>unix:///run/containerd/containerd.sock</c>), shared by the runtime,
/// image and (on containerd) event clients. The socket is dialled through <see cref="SocketsHttpHandler.ConnectCallback"/>,
/// so each new HTTP/2 connection opens the unix socket again: a runtime that restarts is reconnected to.
/// </summary>
internal sealed class CriConnection : IDisposable
{
    /// <summary>containerd's namespace of CRI objects (containerd pkg/cri constants.K8sContainerdNamespace).</summary>
    public const string ContainerdNamespace = "k8s.io";

    private readonly GrpcChannel _channel;

    private CriConnection(string socketPath)
    {
        SocketPath = socketPath;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            EnableMultipleHttp2Connections = true,
        };
        // The authority is a placeholder: the connection is the unix socket.
        _channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = 32 * 1024 * 1024, // ExecSync output is capped at 16 MiB per stream by the runtime
        });
        Runtime = new RuntimeService.RuntimeServiceClient(_channel);
        Images = new ImageService.ImageServiceClient(_channel);
        Events = new Events.EventsClient(_channel);
    }

    public string SocketPath { get; }
    public RuntimeService.RuntimeServiceClient Runtime { get; }
    public ImageService.ImageServiceClient Images { get; }

    /// <summary>containerd's event service; an <see cref="StatusCode.Unimplemented"/> answer elsewhere (CRI-O).</summary>
    public Events.EventsClient Events { get; }

    /// <summary>Parses <c>unix:///path</c> (or a bare absolute path, as crictl accepts) into a connection.</summary>
    public static CriConnection Open(string endpoint) => new(ParseEndpoint(endpoint));

    public static string ParseEndpoint(string endpoint)
    {
        const string Scheme = "unix://";
        var path = endpoint.StartsWith(Scheme, StringComparison.Ordinal) ? endpoint[Scheme.Length..] : endpoint;
        if (!Path.IsPathRooted(path))
        {
            throw new ArgumentException($"container runtime endpoint \"{endpoint}\": expected unix:///absolute/path", nameof(endpoint));
        }

        return path;
    }

    public void Dispose() => _channel.Dispose();
}
