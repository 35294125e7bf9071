namespace Podvisor.Core.Model;

/// <summary>
/// This machine's capacity (cpus, MemTotal, the data directory's filesystem) and what the node object reports as
/// allocatable: capacity less the kubelet's default hard eviction thresholds (memory.available&lt;100Mi,
/// nodefs.available&lt;10%). Downward-API limits default to the allocatable values (defaultPodLimitsForDownwardAPI).
/// </summary>
public sealed record NodeResources(int Cpus, long MemoryBytes, long EphemeralStorageBytes)
{
    private const long EvictionMemoryBytes = 100L * 1024 * 1024;

    public long AllocatableMemoryBytes => Math.Max(0, MemoryBytes - EvictionMemoryBytes);

    public long AllocatableEphemeralStorageBytes => EphemeralStorageBytes - (EphemeralStorageBytes / 10);

    /// <summary>Reads this machine; an unreadable source gives 0.</summary>
    public static NodeResources OfThisMachine(string dataDir) => new(Environment.ProcessorCount, MemTotalBytes(), StorageBytes(dataDir));

    private static long MemTotalBytes()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            return line is not null && long.TryParse(line["MemTotal:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), out var kb) ? kb * 1024 : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static long StorageBytes(string dataDir)
    {
        try
        {
            return new DriveInfo(Path.GetFullPath(dataDir.Length > 0 ? dataDir : "/")).TotalSize;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return 0;
        }
    }
}
