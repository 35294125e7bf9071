using System.Text.Json;
using System.Text.Json.Serialization;
using Podvisor.Core.Model;

namespace Podvisor.Runtime.Process;

/// <summary>A volume as set up on the host: emptyDir directory (tmpfs when <see cref="Tmpfs"/>) or hostPath.</summary>
internal sealed record VolumeRecord(string Name, string Path, bool IsFile, bool Tmpfs);

/// <summary>Persisted sandbox state (DataDir/runtime/sandboxes/ID.json).</summary>
internal sealed record SandboxRecord
{
    public required string Id { get; init; }
    public required string PodUid { get; init; }
    public required string Name { get; init; }
    public required string Namespace { get; init; }
    public uint Attempt { get; init; }
    public bool HostNetwork { get; init; }

    /// <summary>Network namespace name under /run/netns, null on the host network.</summary>
    public string? Netns { get; init; }

    /// <summary>Host end of the pod's veth pair.</summary>
    public string? HostVeth { get; init; }

    public string? Ip { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public bool Ready { get; init; }
    public IReadOnlyList<VolumeRecord> Volumes { get; init; } = [];

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

/// <summary>One small JSON file per sandbox and per container, replaced atomically (write, then rename).</summary>
internal sealed class RuntimeStateStore
{
    private readonly string _sandboxes;
    private readonly string _containers;

    public RuntimeStateStore(string dataDir)
    {
        _sandboxes = Path.Combine(dataDir, "runtime", "sandboxes");
        _containers = Path.Combine(dataDir, "runtime", "containers");
        Directory.CreateDirectory(_sandboxes);
        Directory.CreateDirectory(_containers);
    }

    public void Save(SandboxRecord record) => Write(Path.Combine(_sandboxes, record.Id + ".json"), JsonSerializer.SerializeToUtf8Bytes(record, RuntimeStateJson.Default.SandboxRecord));

    public void Save(ContainerRecord record) => Write(Path.Combine(_containers, record.Id + ".json"), JsonSerializer.SerializeToUtf8Bytes(record, RuntimeStateJson.Default.ContainerRecord));

    public void DeleteSandbox(string id) => File.Delete(Path.Combine(_sandboxes, id + ".json"));

    public void DeleteContainer(string id) => File.Delete(Path.Combine(_containers, id + ".json"));

    public IEnumerable<SandboxRecord> LoadSandboxes() => Load(_sandboxes, RuntimeStateJson.Default.SandboxRecord);

    public IEnumerable<ContainerRecord> LoadContainers() => Load(_containers, RuntimeStateJson.Default.ContainerRecord);

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
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, json);
        File.Move(temp, path, overwrite: true);
    }
}
