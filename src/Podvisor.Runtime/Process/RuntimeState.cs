using System.Text.Json;
using System.Text.Json.Serialization;
using Podvisor.Core;
using Podvisor.Core.Model;

namespace Podvisor.Runtime.Process;

/// <summary>Persisted sandbox state (DataDir/runtime/sandboxes/ID.json).</summary>
internal sealed record SandboxRecord
{
    public required string Id { get; init; }
    public required string PodUid { get; init; }
    public required string Name { get; init; }
    public required string Namespace { get; init; }
    public uint Attempt { get; init; }
    public bool HostNetwork { get; init; }

    /// <summary>CRI PodSandboxConfig.hostname; empty: the node's.</summary>
    public string Hostname { get; init; } = "";

    /// <summary>Network namespace name under /run/netns, null on the host network.</summary>
    public string? Netns { get; init; }

    /// <summary>UTS namespace name under /run/utsns (the pod's hostname), null when the pod keeps the host's.</summary>
    public string? Uts { get; init; }

    /// <summary>Host end of the pod's veth pair.</summary>
    public string? HostVeth { get; init; }

    public string? Ip { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public bool Ready { get; init; }

    /// <summary>Symlinks made at mount paths when running without root (removed with the sandbox).</summary>
    public IReadOnlyList<string> Links { get; init; } = [];
}

/// <summary>Persisted container instance state (DataDir/runtime/containers/ID.json).</summary>
internal sealed record ContainerRecord
{
    public required string Id { get; init; }
    public required string SandboxId { get; init; }
    public required string PodUid { get; init; }
    public required ContainerConfig Config { get; init; }

    /// <summary>The sandbox's hostname when the container was created (containerd puts HOSTNAME in the spec then); empty: the node's.</summary>
    public string Hostname { get; init; } = "";

    /// <summary>DataDir/pods/UID/containers/NAME/ID: holds the termination-log file.</summary>
    public required string Directory { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public RuntimeContainerState State { get; init; }
    public int Pid { get; init; }

    /// <summary>Field 22 of /proc/PID/stat at start: guards against a recycled pid after an agent restart.</summary>
    public ulong PidStartTime { get; init; }

    public int ExitCode { get; init; }
    public string? Reason { get; init; }
    public string? Message { get; init; }

    [JsonIgnore]
    public string TerminationLogFile => System.IO.Path.Combine(Directory, "termination-log");

    public RuntimeContainerStatus ToStatus() => new()
    {
        Id = Id,
        Name = Config.Name,
        State = State,
        CreatedAt = CreatedAt,
        StartedAt = StartedAt,
        FinishedAt = FinishedAt,
        ExitCode = ExitCode,
        Reason = Reason,
        Message = Message,
        Hash = Config.Hash,
        RestartCount = Config.RestartCount,
        Image = Config.Image,
    };
}

[JsonSourceGenerationOptions(WriteIndented = false, UseStringEnumConverter = true)]
[JsonSerializable(typeof(SandboxRecord))]
[JsonSerializable(typeof(ContainerRecord))]
internal sealed partial class RuntimeStateJson : JsonSerializerContext;

/// <summary>
/// One small JSON file per sandbox and per container, replaced atomically (write, then rename) by one background
/// thread, so no start, stop or exit waits for the disk (each write costs 0.3-5 ms on ext4, more than a spawn). Writes
/// to the same file coalesce: the newest record wins and a delete cancels a pending write. <see cref="Dispose"/>
/// writes everything queued before returning, so a runtime opened afterwards on the same DataDir recovers the latest
/// state. What an agent crash can lose is the last few milliseconds of changes, as it could lose a spawn before.
/// </summary>
internal sealed class RuntimeStateStore : IDisposable
{
    private readonly string _sandboxes;
    private readonly string _containers;
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly Action<Exception> _onError;
    private readonly object _gate = new();
    private readonly Thread _writer;
    private Dictionary<string, object?> _pending = new(StringComparer.Ordinal);
    private bool _disposing;
    private bool _stopped;

    /// <param name="onError">Receives I/O errors of background writes (the in-memory state is unaffected).</param>
    public RuntimeStateStore(string dataDir, Action<Exception> onError)
    {
        _sandboxes = Path.Combine(dataDir, "runtime", "sandboxes");
        _containers = Path.Combine(dataDir, "runtime", "containers");
        _onError = onError;
        // Owner-only: container records hold env values, Secrets' among them.
        foreach (var dir in new[] { Path.Combine(dataDir, "runtime"), _sandboxes, _containers })
        {
            Directory.CreateDirectory(dir, OwnerOnlyDirectory);
            File.SetUnixFileMode(dir, OwnerOnlyDirectory);
        }
        _writer = new Thread(WriteQueued) { IsBackground = true, Name = "podvisor-state" };
        _writer.Start();
    }

    public void Save(SandboxRecord record) => Enqueue(Path.Combine(_sandboxes, record.Id + ".json"), record);

    /// <summary>
    /// Writes the record of a sandbox not saved before at once, before returning (the slow path of a sandbox start,
    /// whose host changes must never exist without a record on disk naming them). Throws what the write throws.
    /// </summary>
    public void SaveNew(SandboxRecord record) =>
        Write(Path.Combine(_sandboxes, record.Id + ".json"), JsonSerializer.SerializeToUtf8Bytes(record, RuntimeStateJson.Default.SandboxRecord));

    public void Save(ContainerRecord record) => Enqueue(Path.Combine(_containers, record.Id + ".json"), record);

    public void DeleteSandbox(string id) => Enqueue(Path.Combine(_sandboxes, id + ".json"), null);

    public void DeleteContainer(string id) => Enqueue(Path.Combine(_containers, id + ".json"), null);

    public IEnumerable<SandboxRecord> LoadSandboxes() => Load(_sandboxes, RuntimeStateJson.Default.SandboxRecord);

    public IEnumerable<ContainerRecord> LoadContainers() => Load(_containers, RuntimeStateJson.Default.ContainerRecord);

    /// <summary>Writes everything queued, then stops the writer. Later changes are written at once by the caller.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposing = true;
            Monitor.PulseAll(_gate);
        }

        _writer.Join();
        Dictionary<string, object?> late;
        lock (_gate)
        {
            _stopped = true;
            late = _pending;
        }

        foreach (var (path, record) in late)
        {
            Apply(path, record);
        }
    }

    private void Enqueue(string path, object? record)
    {
        lock (_gate)
        {
            if (!_stopped)
            {
                _pending[path] = record;
                Monitor.PulseAll(_gate);
                return;
            }
        }

        Apply(path, record);
    }

    private void WriteQueued()
    {
        while (true)
        {
            Dictionary<string, object?> batch;
            lock (_gate)
            {
                while (_pending.Count == 0 && !_disposing)
                {
                    Monitor.Wait(_gate);
                }

                if (_pending.Count == 0)
                {
                    return;
                }

                (batch, _pending) = (_pending, new Dictionary<string, object?>(StringComparer.Ordinal));
            }

            foreach (var (path, record) in batch)
            {
                Apply(path, record);
            }
        }
    }

    private void Apply(string path, object? record)
    {
        try
        {
            switch (record)
            {
                case null:
                    File.Delete(path);
                    break;
                case SandboxRecord sandbox:
                    Write(path, JsonSerializer.SerializeToUtf8Bytes(sandbox, RuntimeStateJson.Default.SandboxRecord));
                    break;
                case ContainerRecord container:
                    Write(path, JsonSerializer.SerializeToUtf8Bytes(container, RuntimeStateJson.Default.ContainerRecord));
                    break;
                default:
                    throw new System.Diagnostics.UnreachableException();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _onError(e);
        }
    }

    private static IEnumerable<T> Load<T>(string dir, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        foreach (var file in Directory.EnumerateFiles(dir, "*.json"))
        {
            T? record;
            try
            {
                record = JsonSerializer.Deserialize(File.ReadAllBytes(file), type);
            }
            catch (JsonException)
            {
                continue; // a torn or foreign file is not state we wrote
            }

            if (record is not null)
            {
                yield return record;
            }
        }
    }

    private static void Write(string path, byte[] json)
    {
        PrivateFile.WriteAtomically(path, json, durable: false);
    }
}
