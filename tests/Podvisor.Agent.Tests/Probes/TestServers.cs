using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using k8s.Models;
using Podvisor.Core.Model;
using Podvisor.Runtime;

namespace Podvisor.Agent.Tests.Probes;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 built on TcpListener: one request per connection, the response built by
/// the test from the request path. Requests (head text) are recorded.
/// </summary>
internal sealed class TinyHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<string, string> _respond;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    /// <param name="respond">Maps a request path to the raw response; null (via <see cref="Silent"/>) never answers.</param>
    public TinyHttpServer(Func<string, string> respond)
    {
        _respond = respond;
        _listener.Start();
        _loop = AcceptAsync();
    }

    public const string Silent = "";

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public ConcurrentQueue<string> Requests { get; } = new();

    public static string Response(int status, string body = "", string headers = "") =>
        $"HTTP/1.1 {status} X\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n{headers}Connection: close\r\n\r\n{body}";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var head = new StringBuilder();
            var buffer = new byte[4096];
            while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                int read;
                try
                {
                    read = await stream.ReadAsync(buffer, _stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or IOException)
                {
                    return;
                }

                if (read == 0)
                {
                    return;
                }

                head.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            var text = head.ToString();
            Requests.Enqueue(text);
            var response = _respond(text.Split(' ')[1]);
            if (response.Length == 0)
            {
                await Task.Delay(Timeout.Infinite, _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            }

            await stream.WriteAsync(Encoding.UTF8.GetBytes(response));
        }
    }
}

/// <summary>A runtime where only ExecSync does anything: the test decides its result and sees every call.</summary>
internal sealed class FakeExecRuntime(Func<IReadOnlyList<string>, CancellationToken, Task<ExecResult>> exec) : IContainerRuntime
{
    public List<(string ContainerId, IReadOnlyList<string> Argv, TimeSpan Timeout)> Execs { get; } = [];

    public ChannelReader<ContainerEvent> Events => throw new NotSupportedException();

    public async ValueTask<ExecResult> ExecSyncAsync(string containerId, IReadOnlyList<string> argv, TimeSpan timeout, CancellationToken ct)
    {
        Execs.Add((containerId, argv, timeout));
        return await exec(argv, ct);
    }

    public ValueTask<string> RunPodSandboxAsync(PodSandboxConfig config, CancellationToken ct) => throw new NotSupportedException();

    public ValueTask StopPodSandboxAsync(string sandboxId, CancellationToken ct) => throw new NotSupportedException();

    public ValueTask RemovePodSandboxAsync(string sandboxId, CancellationToken ct) => throw new NotSupportedException();

    public ValueTask<string> CreateContainerAsync(string sandboxId, ContainerConfig config, CancellationToken ct) => throw new NotSupportedException();

    public ValueTask StartContainerAsync(string containerId, CancellationToken ct) => throw new NotSupportedException();

    public ValueTask StopContainerAsync(string containerId, TimeSpan gracePeriod, CancellationToken ct) => throw new NotSupportedException();

    public ValueTask RemoveContainerAsync(string containerId, CancellationToken ct) => throw new NotSupportedException();

    public RuntimePodStatus GetPodStatus(string podUid) => throw new NotSupportedException();

    public IReadOnlyCollection<string> PodUids => throw new NotSupportedException();
}

/// <summary>A free loopback port with nothing listening on it.</summary>
internal static class ClosedPort
{
    public static int Get()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>Pods and containers for executor and hook tests.</summary>
internal static class Specs
{
    public static V1Pod Pod() => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "ns", Uid = "uid-1" },
        Spec = new V1PodSpec { Containers = [] },
    };

    public static V1Container Container(params V1ContainerPort[] ports) => new() { Name = "c", Ports = ports };
}
