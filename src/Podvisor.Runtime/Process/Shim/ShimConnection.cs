using System.Net.Sockets;
using System.Text.Json;

namespace Podvisor.Runtime.Process.Shim;

/// <summary>
/// One end of a shim socket: a message is written by the caller, whole and in order (one small write to a local
/// socket whose peer always reads: no thread hand-off on the start and exit paths), and read by <see cref="RunAsync"/>,
/// which returns when the peer closes the connection or it breaks.
/// </summary>
internal sealed class ShimConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly Lock _writeGate = new();

    public ShimConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
    }

    /// <summary>Writes the message; a connection that broke drops it (its reader sees the end too).</summary>
    public void Send(ShimMessage message)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(message, ShimJson.Default.ShimMessage);
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        lock (_writeGate)
        {
            try
            {
                _socket.Send(line);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // The peer is gone.
            }
        }
    }

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
        lock (_writeGate)
        {
            _socket.Dispose();
        }

        await _stream.DisposeAsync();
    }
}
