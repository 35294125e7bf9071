using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Threading.Channels;
using Podvisor.Node.Abstractions;

namespace Podvisor.Api.Streams;

/// <summary>
/// One accepted streaming WebSocket, multiplexed into channels (<see cref="ChannelProtocol"/>). Channels the client
/// writes are pipes read through <see cref="Input"/> (bounded, so a client that pastes faster than the command reads
/// waits for it); channels the server writes are <see cref="Output"/> streams whose writes become one message each,
/// serialised on the socket. <see cref="ReceiveAsync"/> must run for input, resize, ping/pong and close to be seen.
/// </summary>
internal sealed class ChannelConnection(WebSocket socket, string protocol) : IAsyncDisposable
{
    private const int MaxMessageBytes = 1 << 20;
    private static readonly PipeOptions InputPipe = new(pauseWriterThreshold: 256 * 1024, resumeWriterThreshold: 128 * 1024, useSynchronizationContext: false);

    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly Dictionary<byte, Pipe> _inputs = [];
    private Channel<TerminalSize>? _resize;

    public string Protocol { get; } = protocol;

    /// <summary>The client can close single channels (v5) rather than only the whole connection.</summary>
    public bool CanCloseChannels => Protocol == ChannelProtocol.V5;

    /// <summary>What the client writes on <paramref name="channel"/>, ending when it closes the channel or the connection.</summary>
    public Stream Input(byte channel)
    {
        var pipe = new Pipe(InputPipe);
        _inputs[channel] = pipe;
        return pipe.Reader.AsStream();
    }

    /// <summary>The resize channel's sizes, in order.</summary>
    public ChannelReader<TerminalSize> Resizes()
    {
        _resize = Channel.CreateUnbounded<TerminalSize>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        return _resize.Reader;
    }

    /// <summary>A stream whose every write is one message on <paramref name="channel"/>; the first carries <paramref name="prefix"/>.</summary>
    public Stream Output(byte channel, byte[]? prefix = null) => new OutputStream(this, channel, prefix);

    public async Task SendAsync(byte channel, ReadOnlyMemory<byte> prefix, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var frame = ChannelProtocol.Frame(channel, prefix.Span, data.Span);
        await _sendGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, ct).ConfigureAwait(false);
        }
        finally
        {
            _sendGate.Release();
        }
    }

    /// <summary>
    /// Reads messages until the client closes the connection or it breaks, feeding input channels (back-pressured)
    /// and the resize channel; then every input ends. Messages for channels nobody reads are dropped, as wsstream does.
    /// </summary>
    public async Task ReceiveAsync(CancellationToken ct)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.GetMemory(4096), ct).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                buffer.Advance(result.Count);
                if (buffer.WrittenCount > MaxMessageBytes)
                {
                    return;
                }

                if (result.EndOfMessage)
                {
                    await DispatchAsync(buffer.WrittenMemory, ct).ConfigureAwait(false);
                    buffer.ResetWrittenCount();
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
        }
        finally
        {
            foreach (var pipe in _inputs.Values)
            {
                await pipe.Writer.CompleteAsync().ConfigureAwait(false);
            }

            _resize?.Writer.TryComplete();
        }
    }

    /// <summary>A normal close (1000): the client reads everything sent before it, then ends its streams.</summary>
    public async Task CloseAsync(CancellationToken ct)
    {
        await _sendGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
        }
        finally
        {
            _sendGate.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        socket.Dispose();
        _sendGate.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task DispatchAsync(ReadOnlyMemory<byte> message, CancellationToken ct)
    {
        if (message.IsEmpty)
        {
            return;
        }

        var channel = message.Span[0];
        var data = message[1..];
        if (channel == ChannelProtocol.Close && CanCloseChannels)
        {
            if (!data.IsEmpty && _inputs.TryGetValue(data.Span[0], out var closed))
            {
                await closed.Writer.CompleteAsync().ConfigureAwait(false);
            }
        }
        else if (channel == ChannelProtocol.Resize && _resize is not null)
        {
            foreach (var size in ChannelProtocol.ParseResize(data.Span))
            {
                _resize.Writer.TryWrite(size);
            }
        }
        else if (_inputs.TryGetValue(channel, out var pipe) && !data.IsEmpty)
        {
            // A channel whose reader went away (the command closed its stdin) drops further data.
            var flush = await pipe.Writer.WriteAsync(data, ct).ConfigureAwait(false);
            if (flush.IsCompleted)
            {
                _inputs.Remove(channel);
            }
        }
    }

    private sealed class OutputStream(ChannelConnection connection, byte channel, byte[]? prefix) : Stream
    {
        private byte[]? _prefix = prefix;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var prefix = _prefix;
            _prefix = null;
            await connection.SendAsync(channel, prefix, buffer, cancellationToken).ConfigureAwait(false);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous only");

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
