using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Podvisor.Agent.Logs;
using Podvisor.Core.Logs;

namespace Podvisor.Run;

/// <summary>One line a container instance wrote. <see cref="Instance"/> is 1 for the first instance of the container.</summary>
public sealed record ContainerOutputLine(string PodName, string PodUid, string Container, int Instance, CriLogStream Stream, string Text)
{
    /// <summary><c>POD/CONTAINER</c>, with <c>#N</c> from the second instance on (as <c>docker compose up</c> prefixes lines).</summary>
    public string Source => $"{PodName}/{Container}{(Instance > 1 ? "#" + Instance.ToString(CultureInfo.InvariantCulture) : "")}";
}

/// <summary>
/// Follows the CRI log files the runtime writes (the agent's layout, <see cref="ContainerLogManager"/>, docs/contracts.md §3) and
/// reports each complete line once. Event-driven: inotify (FileSystemWatcher) marks files dirty, one loop reads what
/// was appended since the last read. <see cref="DisposeAsync"/> reads every file to its end one last time.
/// </summary>
public sealed class ContainerOutput : IAsyncDisposable
{
    private readonly ContainerLogManager _logs;
    private readonly Action<ContainerOutputLine> _emit;
    private readonly FileSystemWatcher _watcher;
    private readonly Channel<string> _dirty = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, FollowedFile> _files = new(StringComparer.Ordinal);
    private readonly Task _loop;

    public ContainerOutput(string dataDir, Action<ContainerOutputLine> emit)
    {
        _logs = new ContainerLogManager(dataDir);
        _emit = emit;
        Directory.CreateDirectory(_logs.Root);
        _watcher = new FileSystemWatcher(_logs.Root)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        _watcher.Created += (_, e) => MarkDirty(e.FullPath);
        _watcher.Changed += (_, e) => MarkDirty(e.FullPath);

        // The watch of a new directory is added after it appears: anything written before that is found by a rescan.
        _watcher.Error += (_, _) => MarkDirty(_logs.Root);
        _watcher.EnableRaisingEvents = true;
        _loop = Task.Run(ReadLoopAsync);
        MarkDirty(_logs.Root);
    }

    private void MarkDirty(string path) => _dirty.Writer.TryWrite(path);

    private async Task ReadLoopAsync()
    {
        while (await _dirty.Reader.WaitToReadAsync())
        {
            var paths = new HashSet<string>(StringComparer.Ordinal);
            while (_dirty.Reader.TryRead(out var path))
            {
                paths.Add(path);
            }

            foreach (var path in paths)
            {
                if (Directory.Exists(path))
                {
                    foreach (var file in Directory.EnumerateFiles(path, "*.log", SearchOption.AllDirectories))
                    {
                        Read(file);
                    }
                }
                else
                {
                    Read(path);
                }
            }
        }

        foreach (var file in _files.Values)
        {
            file.Flush(_emit);
        }
    }

    private void Read(string path)
    {
        if (!_files.TryGetValue(path, out var file))
        {
            if (FollowedFile.Parse(_logs, path) is not { } parsed)
            {
                return;
            }

            _files[path] = file = parsed;
        }

        file.ReadNew(_emit);
    }

    public async ValueTask DisposeAsync()
    {
        _watcher.EnableRaisingEvents = false;
        _watcher.Dispose();
        MarkDirty(_logs.Root);
        _dirty.Writer.TryComplete();
        await _loop;
    }

    /// <summary>One log file: where reading stopped, and a partial (P) record waiting for the rest of its line.</summary>
    private sealed class FollowedFile(string path, ContainerOutputLine template)
    {
        private readonly StringBuilder _partial = new();
        private long _offset;

        /// <summary>A container's log file (<see cref="ContainerLogManager.TryParse"/>); null for any other path.</summary>
        public static FollowedFile? Parse(ContainerLogManager logs, string path) =>
            logs.TryParse(path, out var log)
                ? new FollowedFile(path, new ContainerOutputLine(log.PodName, log.PodUid, log.Container, log.RestartCount + 1, CriLogStream.Stdout, ""))
                : null;

        public void ReadNew(Action<ContainerOutputLine> emit)
        {
            byte[] appended;
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                if (stream.Length < _offset)
                {
                    _offset = 0; // truncated
                }

                stream.Seek(_offset, SeekOrigin.Begin);
                appended = new byte[stream.Length - _offset];
                stream.ReadExactly(appended);
            }
            catch (IOException)
            {
                return; // removed meanwhile (FileNotFoundException, DirectoryNotFoundException)
            }

            // Only whole records: a record being written is read when the rest of it arrives.
            var end = Array.LastIndexOf(appended, (byte)'\n') + 1;
            _offset += end;
            foreach (var record in Encoding.UTF8.GetString(appended, 0, end).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!CriLog.TryParse(record, out var entry))
                {
                    continue;
                }

                _partial.Append(entry.Content);
                if (!entry.Partial)
                {
                    emit(template with { Stream = entry.Stream, Text = _partial.ToString() });
                    _partial.Clear();
                }
            }
        }

        /// <summary>Output that ended without a newline.</summary>
        public void Flush(Action<ContainerOutputLine> emit)
        {
            if (_partial.Length > 0)
            {
                emit(template with { Text = _partial.ToString() });
                _partial.Clear();
            }
        }
    }
}
