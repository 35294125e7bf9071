using System.Text;
using Grpc.Core;
using Podvisor.Core.Model;
using Podvisor.Runtime.Process;
using V1 = Podvisor.Runtime.Cri.V1;

namespace Podvisor.Runtime.Cri;

public sealed partial class CriRuntime
{
    /// <summary>The kubelet reads at most this much of a termination-message file (kuberuntime maxMsgSize).</summary>
    private const int MaxTerminationMessage = 4 * 1024;

    public async ValueTask<string> CreateContainerAsync(string sandboxId, ContainerConfig config, CancellationToken ct)
    {
        var sandbox = _cache.Sandbox(sandboxId) ?? throw new ContainerStartException($"pod sandbox {sandboxId} not found");
        // Mirrors the kubelet: each instance gets its own termination-message file on the host, mounted at its path.
        var terminationLog = Path.Combine(HostMounts.ContainersDirectory(_options.DataDir, sandbox.PodUid), config.Name, Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.GetDirectoryName(terminationLog)!);
        await File.WriteAllBytesAsync(terminationLog, [], ct);
        Directory.CreateDirectory(Path.GetDirectoryName(config.LogPath)!);
        var request = new V1.CreateContainerRequest
        {
            PodSandboxId = sandboxId,
            Config = CriConfigMapping.Container(sandbox.Config, config, terminationLog),
            SandboxConfig = sandbox.Config,
        };
        string id;
        try
        {
            id = (await _connection.Runtime.CreateContainerAsync(request, deadline: Deadline(CallTimeout), cancellationToken: ct)).ContainerId;
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            throw new ContainerStartException(e.Status.Detail, e);
        }

        await RefreshContainerAsync(id, sandboxId, adopted: false, ct);
        return id;
    }

    public async ValueTask StartContainerAsync(string containerId, CancellationToken ct)
    {
        try
        {
            await _connection.Runtime.StartContainerAsync(new V1.StartContainerRequest { ContainerId = containerId }, deadline: Deadline(CallTimeout), cancellationToken: ct);
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            await RefreshContainerAsync(containerId, null, adopted: false, ct);
            throw new ContainerStartException(e.Status.Detail, e);
        }

        await RefreshContainerAsync(containerId, null, adopted: false, ct);
    }

    public async ValueTask StopContainerAsync(string containerId, TimeSpan gracePeriod, CancellationToken ct)
    {
        // CRI's timeout is whole seconds; 0 kills at once, as the kubelet's minimum grace does.
        var timeout = (long)Math.Ceiling(Math.Max(0, gracePeriod.TotalSeconds));
        try
        {
            await _connection.Runtime.StopContainerAsync(new V1.StopContainerRequest { ContainerId = containerId, Timeout = timeout },
                deadline: Deadline(gracePeriod + CallTimeout), cancellationToken: ct);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            // Removed already: a no-op, as IContainerRuntime.StopContainerAsync promises (containerd answers NotFound).
            _cache.Remove(containerId);
            return;
        }

        await RefreshContainerAsync(containerId, null, adopted: false, ct);
    }

    public async ValueTask RemoveContainerAsync(string containerId, CancellationToken ct)
    {
        await _connection.Runtime.RemoveContainerAsync(new V1.RemoveContainerRequest { ContainerId = containerId }, deadline: Deadline(CallTimeout), cancellationToken: ct);
        _cache.Remove(containerId);
    }

    public async ValueTask<ExecResult> ExecSyncAsync(string containerId, IReadOnlyList<string> argv, TimeSpan timeout, CancellationToken ct)
    {
        // CRI's timeout is whole seconds, 0 meaning none: hooks pass infinite (the kubelet passes 0), probes at least 1 s.
        var unbounded = timeout == Timeout.InfiniteTimeSpan || timeout <= TimeSpan.Zero;
        var request = new V1.ExecSyncRequest { ContainerId = containerId, Timeout = unbounded ? 0 : (long)Math.Ceiling(Math.Max(1, timeout.TotalSeconds)) };
        request.Cmd.Add(argv);
        try
        {
            var response = await _connection.Runtime.ExecSyncAsync(request, deadline: unbounded ? null : Deadline(timeout + CallTimeout), cancellationToken: ct);
            return new ExecResult(response.ExitCode, response.Stdout.ToStringUtf8() + response.Stderr.ToStringUtf8(), TimedOut: false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.DeadlineExceeded || e.Status.Detail.Contains("timeout", StringComparison.Ordinal))
        {
            return new ExecResult(-1, "", TimedOut: true);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unknown or StatusCode.Internal)
        {
            // The command could not be run (not found, not executable): a failed probe with the runtime's message.
            return new ExecResult(126, e.Status.Detail, TimedOut: false);
        }
    }

    /// <summary>
    /// Reads one container's status into the cache and publishes the Started/Exited steps it makes. Containers not
    /// labelled by Podvisor are ignored. Returns the new status, or null when the container is gone or foreign.
    /// </summary>
    private async Task<RuntimeContainerStatus?> RefreshContainerAsync(string containerId, string? sandboxId, bool adopted, CancellationToken ct)
    {
        V1.ContainerStatus status;
        try
        {
            status = (await _connection.Runtime.ContainerStatusAsync(new V1.ContainerStatusRequest { ContainerId = containerId }, deadline: Deadline(CallTimeout), cancellationToken: ct)).Status;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            _cache.Remove(containerId);
            return null;
        }

        sandboxId ??= _cache.SandboxOf(containerId);
        if (!status.Labels.TryGetValue(CriLabels.PodUid, out var podUid) || sandboxId is null)
        {
            return null;
        }

        var message = status.State == V1.ContainerState.ContainerExited ? ReadTerminationMessage(status) : null;
        var current = CriPodCache.ToStatus(status, message);
        foreach (var type in _cache.PutContainer(podUid, sandboxId, current, adopted))
        {
            _events.Writer.TryWrite(new ContainerEvent(podUid, containerId, current.Name, type));
        }

        return current;
    }

    private static string? ReadTerminationMessage(V1.ContainerStatus status)
    {
        if (!status.Annotations.TryGetValue(CriLabels.TerminationLog, out var path) || !File.Exists(path))
        {
            return null;
        }

        using var file = File.OpenRead(path);
        var buffer = new byte[MaxTerminationMessage];
        var read = file.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return read == 0 ? null : Encoding.UTF8.GetString(buffer, 0, read);
    }
}
