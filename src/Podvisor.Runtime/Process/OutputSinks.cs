using System.Buffers;
using Podvisor.Core.Logs;

namespace Podvisor.Runtime.Process;

/// <summary>Receives a child's output. Called on the reactor thread only.</summary>
internal interface IOutputSink
{
    void Write(ReadOnlySpan<byte> data);

    /// <summary>The stream reached end of file.</summary>
    void Complete();
}

/// <summary>
/// Writes a container instance's stdout and stderr to one CRI log file. Mirrors containerd redirectLogs: a line is
/// one F record (a trailing <c>\r</c> is dropped with the newline), a line longer than <see cref="CriLog.MaxLineBytes"/>
/// becomes P records of that size, and output that ends without a newline is flushed as a P record at end of file.
/// The file is rotated per <see cref="ContainerLogRotation"/> (compression and pruning off the reactor thread). A
/// failed write (a full disk) drops that output, reported once until writing works again, so the container keeps
/// running and the agent keeps its memory.
/// </summary>
internal sealed class CriLogWriter : IDisposable
{
    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly ContainerLogRotation _rotation;
    private readonly Action<Exception> _writeFailed;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private FileStream _file;
    private long _size;
    private bool _failing;
    private Task _cleanUp = Task.CompletedTask;
    private int _openStreams = 2;

    public CriLogWriter(string path, TimeProvider time, ContainerLogRotation rotation, Action<Exception> writeFailed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _path = path;
        _time = time;
        _rotation = rotation;
        _writeFailed = writeFailed;
        _file = Open(path);
        _size = _file.Length;
        Stdout = new StreamSink(this, CriLogStream.Stdout);
        Stderr = new StreamSink(this, CriLogStream.Stderr);
    }

    public IOutputSink Stdout { get; }

    public IOutputSink Stderr { get; }

    /// <summary>Completes when the compression and pruning queued so far are done (tests).</summary>
    internal Task CleanUpDone => _cleanUp;

    public void Dispose() => _file.Dispose();

    /// <summary>0640 as containerd creates container logs (not world-readable: output may carry secrets).</summary>
    private static FileStream Open(string path) => new(path, new FileStreamOptions
    {
        Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.ReadWrite | FileShare.Delete, BufferSize = 0,
        UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead,
    });

    private void Flush()
    {
        if (_buffer.WrittenCount == 0)
        {
            return;
        }

        try
        {
            _file.Write(_buffer.WrittenSpan);
            _size += _buffer.WrittenCount;
            _failing = false;
            if (_size >= _rotation.MaxSize)
            {
                Rotate();
            }
        }
        catch (IOException e)
        {
            if (!_failing)
            {
                _failing = true;
                _writeFailed(e);
            }
        }
        finally
        {
            _buffer.ResetWrittenCount();
        }
    }

    private void Rotate()
    {
        if (!ContainerLogRotation.TryRotate(_path, _time.GetUtcNow()))
        {
            return;
        }

        _file.Dispose();
        _file = Open(_path);
        _size = 0;
        _cleanUp = _cleanUp.ContinueWith(_ => CleanUp(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    private void CleanUp()
    {
        try
        {
            _rotation.CleanUp(_path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _writeFailed(e);
        }
    }

    private void StreamCompleted()
    {
        if (--_openStreams == 0)
        {
            _file.Dispose();
        }
    }

    private sealed class StreamSink(CriLogWriter owner, CriLogStream stream) : IOutputSink
    {
        private readonly byte[] _line = new byte[CriLog.MaxLineBytes];
        private int _length;
        private DateTimeOffset _now;

        public void Write(ReadOnlySpan<byte> data)
        {
            _now = owner._time.GetUtcNow();
            while (!data.IsEmpty)
            {
                var newline = data.IndexOf((byte)'\n');
                if (newline < 0)
                {
                    Append(data, endsLine: false);
                    break;
                }

                Append(data[..newline], endsLine: true);
                data = data[(newline + 1)..];
            }

            owner.Flush();
        }

        public void Complete()
        {
            if (_length > 0)
            {
                _now = owner._time.GetUtcNow();
                Emit(partial: true);
                owner.Flush();
            }

            owner.StreamCompleted();
        }

        private void Append(ReadOnlySpan<byte> chunk, bool endsLine)
        {
            while (chunk.Length > _line.Length - _length)
            {
                var room = _line.Length - _length;
                chunk[..room].CopyTo(_line.AsSpan(_length));
                _length = _line.Length;
                chunk = chunk[room..];
                Emit(partial: true);
            }

            chunk.CopyTo(_line.AsSpan(_length));
            _length += chunk.Length;
            if (endsLine)
            {
                if (_length > 0 && _line[_length - 1] == (byte)'\r')
                {
                    _length--;
                }

                Emit(partial: false);
            }
        }

        private void Emit(bool partial)
        {
            CriLog.Write(owner._buffer, _now, stream, partial, _line.AsSpan(0, _length));
            _length = 0;
        }
    }
}

/// <summary>Combined output of an exec, capped (kubelet probes read at most 10 KiB); the rest is drained and dropped.</summary>
internal sealed class CappedOutput(int capacity) : IOutputSink
{
    private readonly byte[] _data = new byte[capacity];
    private int _length;

    public void Write(ReadOnlySpan<byte> data)
    {
        var take = Math.Min(data.Length, _data.Length - _length);
        data[..take].CopyTo(_data.AsSpan(_length));
        _length += take;
    }

    public void Complete()
    {
    }

    /// <summary>Read only after the process has completed (all streams closed).</summary>
    public string Text => System.Text.Encoding.UTF8.GetString(_data, 0, _length);
}
