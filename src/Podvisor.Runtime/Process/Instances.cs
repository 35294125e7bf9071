using Podvisor.Core.Model;

namespace Podvisor.Runtime.Process;

/// <summary>A sandbox in memory: its persisted record and the open handle of its network namespace.</summary>
internal sealed class SandboxInstance(SandboxRecord record)
{
    public object Gate { get; } = new();

    public SandboxRecord Record { get; set; } = record;

    /// <summary>Open /run/netns/NAME while the sandbox is ready (null on the host network).</summary>
    public SafeFdHolder Netns { get; } = new();

    public RuntimeSandboxStatus Status
    {
        get
        {
            var r = Record;
            return new RuntimeSandboxStatus { Id = r.Id, Ready = r.Ready, Ip = r.Ip, Attempt = r.Attempt, CreatedAt = r.CreatedAt };
        }
    }
}

/// <summary>A container instance in memory. <see cref="Record"/> and <see cref="Status"/> change together under <see cref="Gate"/>.</summary>
internal sealed class ContainerInstance(ContainerRecord record)
{
    public object Gate { get; } = new();

    public ContainerRecord Record { get; private set; } = record;

    public RuntimeContainerStatus Status { get; private set; } = record.ToStatus();

    /// <summary>The process the shim owns (set once started or adopted; null before, after a start failure, when lost).</summary>
    public Shim.ContainerProcess? Process { get; set; }

    /// <summary>Completes when the instance reached Exited or Unknown and its status says so.</summary>
    public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool Starting { get; set; }

    public void Set(ContainerRecord record)
    {
        Record = record;
        Status = record.ToStatus();
    }
}

/// <summary>Everything the runtime holds for one pod UID, in creation order (so newest-first is a reverse walk).</summary>
internal sealed class PodEntry
{
    public List<SandboxInstance> Sandboxes { get; } = [];
    public List<ContainerInstance> Containers { get; } = [];
}

/// <summary>A replaceable owned descriptor.</summary>
internal sealed class SafeFdHolder
{
    private Native.SafeFd? _fd;

    public Native.SafeFd? Fd => Volatile.Read(ref _fd);

    public void Replace(Native.SafeFd? fd) => Interlocked.Exchange(ref _fd, fd)?.Dispose();
}
