using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Channels;

namespace Podvisor.Runtime.Process.Shim;

/// <summary>
/// One end of a shim socket: messages are sent in order by one writer task (sending never blocks the caller) and read
/// by <see cref="RunAsync"/>, which returns when the peer closes the connection or it breaks.
/// </summary>
internal sealed class ShimConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly Channel<ShimMessage> _outgoing = Channel.CreateUnbounded<ShimMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public ShimConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _writer = WriteAllAsync();
    }

    public void Send(ShimMessage message) => _outgoing.Writer.TryWrite(message);

    /// <summary>Hands every message to <paramref name="received"/> in order until the connection ends.</summary>
    public async Task RunAsync(Action<ShimMessage> received)
    {
        using var reader = new StreamReader(_stream, leaveOpen: true);
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
            {
                return;
            }

            if (line is null)
            {
                return;
            }

            ShimMessage? message;
            try
            {
                message = JsonSerializer.Deserialize(line, ShimJson.Default.ShimMessage);
            }
            catch (JsonException)
            {
                return; // not a peer speaking this protocol
            }

            if (message is not null)
            {
                received(message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _outgoing.Writer.TryComplete();
        await _writer;
        _socket.Dispose();
        await _stream.DisposeAsync();
    }

    private async Task WriteAllAsync()
    {
        try
        {
            await foreach (var message in _outgoing.Reader.ReadAllAsync())
            {
                var json = JsonSerializer.SerializeToUtf8Bytes(message, ShimJson.Default.ShimMessage);
                var line = new byte[json.Length + 1];
                json.CopyTo(line, 0);
                line[^1] = (byte)'\n';
                await _stream.WriteAsync(line);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            // The peer is gone; RunAsync sees it too.
        }
    }
}
