using System.Text;
using System.Threading.Channels;
using k8s.Models;
using Podvisor.Api.Http;
using Podvisor.Api.Store;
using Podvisor.Core.Logs;
using Podvisor.Node.Abstractions;

namespace Podvisor.Api.Logs;

/// <summary>
/// <c>GET .../pods/{name}/log</c>. Without follow it writes the selected part of the file and ends. With follow it
/// keeps reading as the file grows, woken by a FileSystemWatcher (inotify) rather than polling, and ends when the
/// pod is deleted, a newer instance starts, the client goes away or the server stops.
/// </summary>
internal sealed class LogEndpoints(ApiContext api)
{
    /// <summary>A safety net for file systems whose change notifications can be lost; not the wake-up mechanism.</summary>
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(5);

    public void Map(IEndpointRouteBuilder app)
    {
        const string pattern = "/api/v1/namespaces/{ns}/pods/{name}/log";
        app.MapGet(pattern, GetAsync);
        MethodNotAllowed.Map(app, pattern, "GET");
    }

    private async Task GetAsync(HttpContext ctx)
    {
        var name = ctx.Route("name");
        if (api.Store.Get(ResourceKind.Pods, ctx.Route("ns"), name) is not { } stored)
        {
            await ApiResponses.WriteError(ctx, ApiError.NotFound("pods", name)).ConfigureAwait(false);
            return;
        }

        var pod = (V1Pod)stored.Object;
        var (options, invalid) = LogOptions.From(ctx.Request.Query, api.Now, name);
        var (log, error) = options is null ? (null, invalid) : Find(pod, options);
        if (log is null)
        {
            await ApiResponses.WriteError(ctx, error!).ConfigureAwait(false);
            return;
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "text/plain";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, api.Stopping.Token);
        try
        {
            await StreamAsync(ctx.Response.Body, pod, log, options!, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client went away, or the pod or the server stopped: the stream ends.
        }
    }

    /// <summary>The node's log file of the instance the request reads, or the error to answer.</summary>
    private (LogSource? Log, ApiError? Error) Find(V1Pod pod, LogOptions options)
    {
        var (container, error) = LogLocation.ContainerName(pod, options.Container);
        if (container is null)
        {
            return (null, error);
        }

        var logs = api.Logs;
        return logs?.Find(pod, container, options.Previous) switch
        {
            PodLogFile file => (new LogSource(logs, pod, container, file), null),
            PodLogUnavailable unavailable => (null, ApiError.BadRequest(unavailable.Message)),
            _ => (null, new ApiError(503, "ServiceUnavailable", "no node is attached to serve logs")),
        };
    }

    private static FileStream Open(string path) => new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

    /// <summary>
    /// The open log was rotated: renamed away by the writer (docs/contracts.md §3), so /proc/self/fd names another path,
    /// and a new file exists at <paramref name="path"/>.
    /// </summary>
    private static bool Rotated(FileStream file, string path) =>
        new FileInfo($"/proc/self/fd/{file.SafeFileHandle.DangerousGetHandle()}").LinkTarget is { } target && target != path && File.Exists(path);

    private async Task StreamAsync(Stream output, V1Pod pod, LogSource log, LogOptions options, CancellationToken ct)
    {
        var path = log.File.Path;
        var formatter = new LogFormatter(options);
        var file = Open(path); // replaced when the writer rotates it
        try
        {
            var reader = new LineReader(file);
            var initial = await reader.ReadAvailableAsync(ct).ConfigureAwait(false);
            await WriteAsync(output, formatter, options.TailLines is { } tail ? LogFormatter.Tail(initial, tail) : initial, ct).ConfigureAwait(false);
            if (!options.Follow || formatter.LimitReached)
            {
                return;
            }

            var wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
            using var watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, "*.log") { NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName };
            watcher.Changed += (_, _) => wake.Writer.TryWrite(true);
            watcher.Created += (_, _) => wake.Writer.TryWrite(true);
            watcher.EnableRaisingEvents = true;
            using var podGone = WatchPodRemoval(pod, ct);
            while (!formatter.LimitReached)
            {
                await WriteAsync(output, formatter, await reader.ReadAvailableAsync(podGone.Token).ConfigureAwait(false), podGone.Token).ConfigureAwait(false);
                if (Rotated(file, path))
                {
                    // Mirrors the kubelet's follow across a rotation: finish the renamed file, go on with the new one.
                    await WriteAsync(output, formatter, await reader.ReadAvailableAsync(podGone.Token).ConfigureAwait(false), podGone.Token).ConfigureAwait(false);
                    await file.DisposeAsync().ConfigureAwait(false);
                    file = Open(path);
                    reader = new LineReader(file);
                    continue;
                }

                if (log.Superseded)
                {
                    await WriteAsync(output, formatter, await reader.ReadAvailableAsync(podGone.Token).ConfigureAwait(false), podGone.Token).ConfigureAwait(false);
                    return;
                }

                using var recheck = new CancellationTokenSource(Recheck, api.Time);
                using var either = CancellationTokenSource.CreateLinkedTokenSource(recheck.Token, podGone.Token);
                try
                {
                    await wake.Reader.ReadAsync(either.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!podGone.IsCancellationRequested)
                {
                    // Periodic recheck.
                }
            }
        }
        finally
        {
            await file.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A token cancelled when the pod (this UID) leaves the store, or when <paramref name="ct"/> is.</summary>
    private CancellationTokenSource WatchPodRemoval(V1Pod pod, CancellationToken ct)
    {
        var gone = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var (subscription, _) = api.Store.Watch(ResourceKind.Pods, api.Store.Revision);
        if (subscription is null || api.Store.GetPodByUid(pod.Metadata.Uid) is null)
        {
            subscription?.Dispose();
            gone.Cancel();
            return gone;
        }

        _ = Task.Run(async () =>
        {
            using var _ = subscription;
            try
            {
                await foreach (var record in subscription.Changes.ReadAllAsync(gone.Token).ConfigureAwait(false))
                {
                    if (record.Type == k8s.WatchEventType.Deleted && record.Object.Uid == pod.Metadata.Uid)
                    {
                        await gone.CancelAsync().ConfigureAwait(false);
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The stream ended first.
            }
        }, CancellationToken.None);
        return gone;
    }

    private static async Task WriteAsync(Stream output, LogFormatter formatter, IReadOnlyList<CriLogEntry> lines, CancellationToken ct)
    {
        foreach (var line in lines)
        {
            if (formatter.LimitReached)
            {
                break;
            }

            var bytes = formatter.Format(line);
            await output.WriteAsync(bytes, ct).ConfigureAwait(false);
        }

        await output.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The log file a request reads: the instance of <paramref name="Container"/> in <paramref name="File"/>.</summary>
    private sealed record LogSource(IPodLogs Logs, V1Pod Pod, string Container, PodLogFile File)
    {
        /// <summary>A newer instance of the container has a log: a follow of this one ends.</summary>
        public bool Superseded => Logs.HasNewerInstance(Pod, Container, File.RestartCount);
    }

    /// <summary>Reads complete lines appended to a file since the last read; an unfinished last line waits for its newline.</summary>
    private sealed class LineReader(FileStream file)
    {
        private readonly List<byte> _pending = [];
        private readonly byte[] _buffer = new byte[64 * 1024];

        public async Task<IReadOnlyList<CriLogEntry>> ReadAvailableAsync(CancellationToken ct)
        {
            var lines = new List<CriLogEntry>();
            int read;
            while ((read = await file.ReadAsync(_buffer, ct).ConfigureAwait(false)) > 0)
            {
                var start = 0;
                for (var i = 0; i < read; i++)
                {
                    if (_buffer[i] != (byte)'\n')
                    {
                        continue;
                    }

                    _pending.AddRange(_buffer.AsSpan(start, i - start));
                    if (CriLog.TryParse(Encoding.UTF8.GetString(_pending.ToArray()), out var line))
                    {
                        lines.Add(line);
                    }

                    _pending.Clear();
                    start = i + 1;
                }

                _pending.AddRange(_buffer.AsSpan(start, read - start));
            }

            return lines;
        }
    }
}
