using System.Text;
using Podvisor.Core.Logs;
using Podvisor.Core.Model;
using Podvisor.Runtime.Process.Native;
using Podvisor.Runtime.Process.Shim;

namespace Podvisor.Runtime.Process;

public sealed partial class ProcessRuntime
{
    /// <summary>containerd's errorStartExitCode / errorStartReason for a container that could not be started.</summary>
    public const int StartErrorExitCode = 128;

    /// <inheritdoc cref="StartErrorExitCode"/>
    public const string StartErrorReason = "StartError";

    /// <summary>Mirrors kubelet MaxContainerTerminationMessageLength (docs/lifecycle.md §10.3).</summary>
    private const int MaxTerminationMessageBytes = 4096;

    private const int FallbackLogLines = 80;
    private const int FallbackLogBytes = 2048;
    private const string FallbackToLogsOnError = "FallbackToLogsOnError";

    /// <summary>
    /// Records the instance and, like the kubelet, creates its termination-log file (mode 0666, so any runAsUser can
    /// write it) under <c>pods/UID/containers/NAME/ID/</c>.
    /// </summary>
    public ValueTask<string> CreateContainerAsync(string sandboxId, ContainerConfig config, CancellationToken ct)
    {
        var sandbox = Sandbox(sandboxId);
        var id = NewId();
        var directory = Path.Combine(HostMounts.ContainersDirectory(_options.DataDir, sandbox.Record.PodUid), config.Name, id);
        var record = new ContainerRecord
        {
            Id = id,
            SandboxId = sandboxId,
            PodUid = sandbox.Record.PodUid,
            Config = config,
            Hostname = sandbox.Record.Hostname,
            Directory = directory,
            CreatedAt = _time.GetUtcNow(),
            State = RuntimeContainerState.Created,
        };
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(record.TerminationLogFile, []);
        File.SetUnixFileMode(record.TerminationLogFile, (UnixFileMode)0b110_110_110);
        _store.Save(record);
        var container = new ContainerInstance(record);
        _containers[id] = container;
        var entry = Pod(record.PodUid);
        lock (entry)
        {
            entry.Containers.Add(container);
        }

        return ValueTask.FromResult(id);
    }

    /// <summary>
    /// Spawns the process. A failure leaves the instance Exited with containerd's exit code 128 and reason
    /// <c>StartError</c> (message as runc words it) and throws <see cref="ContainerStartException"/>.
    /// </summary>
    public async ValueTask StartContainerAsync(string containerId, CancellationToken ct)
    {
        var container = Container(containerId);
        lock (container.Gate)
        {
            if (container.Record.State != RuntimeContainerState.Created || container.Starting)
            {
                throw new InvalidOperationException($"container \"{containerId}\" is {container.Record.State}, not Created");
            }

            container.Starting = true;
        }

        var sandbox = Sandbox(container.Record.SandboxId);
        var launch = await LaunchAsync(container, sandbox);
        if (launch.Error is { } error)
        {
            var now = _time.GetUtcNow();
            Update(container, r => r with
            {
                State = RuntimeContainerState.Exited, ExitCode = StartErrorExitCode, Reason = StartErrorReason, Message = error, FinishedAt = now,
            });
            Publish(container, ContainerEventType.Exited);
            container.Finished.TrySetResult();
            throw new ContainerStartException(error);
        }

        var process = launch.Process!;
        var startedAt = launch.StartedAt;
        container.Process = process;
        Update(container, r => r with
        {
            State = RuntimeContainerState.Running, StartedAt = startedAt, Pid = process.Pid, PidStartTime = ProcStat.StartTime(process.Pid) ?? 0,
        });
        Log.Started(_logger, container.Record.Config.Name, containerId, container.Record.PodUid, process.Pid);
        Publish(container, ContainerEventType.Started);
        _ = FinishWhenExitedAsync(container, process);
    }

    /// <summary>
    /// Mirrors CRI StopContainer: the stop signal (SIGTERM or lifecycle.stopSignal) to the process group, SIGKILL to
    /// the group after the grace period; completes when the instance is reported Exited. Stops of different containers
    /// run concurrently (docs/lifecycle.md §D8).
    /// </summary>
    public async ValueTask StopContainerAsync(string containerId, TimeSpan gracePeriod, CancellationToken ct)
    {
        if (!_containers.TryGetValue(containerId, out var container) || container.Process is not { } process)
        {
            return;
        }

        var signal = gracePeriod > TimeSpan.Zero ? StopSignals.Resolve(container.Record.Config.StopSignal) : Libc.SIGKILL;
        using var escalation = process.SignalGroup(signal) && gracePeriod > TimeSpan.Zero
            ? _time.CreateTimer(_ => process.SignalGroup(Libc.SIGKILL), null, gracePeriod, Timeout.InfiniteTimeSpan)
            : null;
        await container.Finished.Task.WaitAsync(ct);
    }

    /// <summary>Forgets the instance (killing it first if it still runs, as CRI requires). Its log file stays (docs/lifecycle.md §D11).</summary>
    public async ValueTask RemoveContainerAsync(string containerId, CancellationToken ct)
    {
        if (_containers.TryGetValue(containerId, out var container))
        {
            await KillAsync(container, ct);
            Forget(container);
        }
    }

    private void Forget(ContainerInstance container)
    {
        _containers.TryRemove(container.Record.Id, out _);
        var entry = Pod(container.Record.PodUid);
        lock (entry)
        {
            entry.Containers.Remove(container);
        }

        container.Process?.Forget();
        _store.DeleteContainer(container.Record.Id);
        if (Directory.Exists(container.Record.Directory))
        {
            Directory.Delete(container.Record.Directory, recursive: true);
        }
    }

    /// <summary>The process the shim started (or the start error) and when (before any exit can be seen).</summary>
    private sealed record Launch(ContainerProcess? Process, string? Error, DateTimeOffset StartedAt = default);

    private async Task<Launch> LaunchAsync(ContainerInstance container, SandboxInstance sandbox)
    {
        try
        {
            var start = ShimStartOf(container.Record, sandbox);
            var shim = await ShimAsync();
            var (process, startedAt) = await shim.StartAsync(start);
            return new Launch(process, null, startedAt);
        }
        catch (Exception e) when (e is SpawnFailure or IOException or UnauthorizedAccessException)
        {
            return new Launch(null, e.Message);
        }
    }

    private ShimStart ShimStartOf(ContainerRecord record, SandboxInstance sandbox)
    {
        var config = record.Config;
        if (!sandbox.Record.Ready)
        {
            throw new SpawnFailure($"sandbox \"{sandbox.Record.Id}\" is not ready");
        }

        var mounts = HostMounts.Resolve(config, record.TerminationLogFile);
        if (!_privileged && HostMounts.Link(mounts, record.TerminationLogFile) is { Count: > 0 } links)
        {
            Update(sandbox, r => r with { Links = [.. r.Links, .. links] });
        }

        return new ShimStart
        {
            Sandbox = sandbox.Record,
            Container = record,
            Argv = config.Argv.Count > 0 ? config.Argv : throw new SpawnFailure("no command specified"),
            Env = EnvironmentOf(record),
            WorkingDir = string.IsNullOrEmpty(config.WorkingDir) ? "/" : config.WorkingDir,
            Credentials = CredentialsFor(config),
            Capabilities = CapabilitiesFor(config)?.Order().ToList(),
            NoNewPrivileges = config.Security.NoNewPrivileges,
            ReadOnlyRoot = _privileged && config.Security.ReadOnlyRootFilesystem,
            NewMountNamespace = _privileged,
            Mounts = _privileged ? mounts : [],
            Netns = _privileged ? sandbox.Record.Netns : null,
            Uts = _privileged ? sandbox.Record.Uts : null,
            LogRotation = _options.ContainerLogRotation,
        };
    }

    /// <summary>
    /// Waits for the exit the shim reports (after the end of output), then reports Exited with the termination message
    /// (docs/lifecycle.md §10.3). A process whose shim was lost is killed and reported as a lost container.
    /// </summary>
    private async Task FinishWhenExitedAsync(ContainerInstance container, ContainerProcess process)
    {
        var exit = await process.Completion;
        try
        {
            if (exit.ExitCode is not { } code)
            {
                KillRecovered(container.Record);
                Update(container, r => Lost(r, exit.FinishedAt));
            }
            else
            {
                var message = TerminationMessage(container.Record, code);
                Update(container, r => r with
                {
                    State = RuntimeContainerState.Exited,
                    ExitCode = code,
                    Reason = code == 0 ? ContainerReasons.Completed : ContainerReasons.Error,
                    Message = message,
                    FinishedAt = exit.FinishedAt,
                });
            }

            Log.Exited(_logger, container.Record.Config.Name, container.Record.Id, container.Record.PodUid, exit.ExitCode);
        }
        catch (Exception e)
        {
            Log.FinishFailed(_logger, e, container.Record.Id);
        }
        finally
        {
            Publish(container, ContainerEventType.Exited);
            container.Finished.TrySetResult();
        }
    }

    /// <summary>
    /// Mirrors kubelet getTerminationMessage: the file, up to 4096 bytes; with FallbackToLogsOnError, a non-zero exit
    /// and an empty file, the last 80 log lines capped at 2048 bytes (tail kept).
    /// </summary>
    private static string? TerminationMessage(ContainerRecord record, int exitCode)
    {
        var message = "";
        if (!string.IsNullOrEmpty(record.Config.TerminationMessagePath) && File.Exists(record.TerminationLogFile))
        {
            // Mirrors getTerminationMessage's tail.ReadAtMost: the LAST 4096 bytes of the file.
            using var file = File.OpenRead(record.TerminationLogFile);
            file.Seek(Math.Max(0, file.Length - MaxTerminationMessageBytes), SeekOrigin.Begin);
            var buffer = new byte[MaxTerminationMessageBytes];
            message = Encoding.UTF8.GetString(buffer, 0, file.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false));
        }

        if (message.Length == 0 && exitCode != 0 && record.Config.TerminationMessagePolicy == FallbackToLogsOnError)
        {
            message = CriLog.ReadTail(record.Config.LogPath, FallbackLogLines, FallbackLogBytes);
        }

        return message.Length == 0 ? null : message;
    }

    /// <summary>
    /// The process environment as containerd and runc build it: the default spec's PATH (an image would supply its own),
    /// <c>HOSTNAME</c> (containerd's CRI plugin: the sandbox hostname, the node's when empty), the config's env in spec
    /// order replacing earlier entries with the same name, then <c>HOME</c> from /etc/passwd when unset (runc
    /// setupUser: the user's home, <c>/</c> for a uid without an entry).
    /// </summary>
    private static List<string> EnvironmentOf(ContainerRecord record)
    {
        var env = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        void Set(string name, string value)
        {
            if (index.TryGetValue(name, out var at))
            {
                env[at] = $"{name}={value}";
            }
            else
            {
                index[name] = env.Count;
                env.Add($"{name}={value}");
            }
        }

        Set("PATH", ExecutableLookup.DefaultPath);
        Set("HOSTNAME", record.Hostname.Length > 0 ? record.Hostname : Environment.MachineName);
        foreach (var (name, value) in record.Config.Env)
        {
            Set(name, value);
        }

        if (!index.ContainsKey("HOME"))
        {
            Set("HOME", Passwd.Find(EffectiveUser(record.Config))?.Home ?? "/");
        }

        return env;
    }

    /// <summary>As root, the capabilities the container keeps (docs/contracts.md §3); without root there are none to drop.</summary>
    private IReadOnlySet<int>? CapabilitiesFor(ContainerConfig config) => _privileged ? LinuxCapabilities.Resolve(config.Security) : null;

    private static uint EffectiveUser(ContainerConfig config) => (uint)(config.RunAsUser ?? Libc.geteuid());

    /// <summary>
    /// runAsUser/runAsGroup as containerd applies them: the gid defaults to the user's primary group from
    /// /etc/passwd (0 if unknown), and the supplementary groups are just that gid. Without root only the agent's own
    /// uid is possible.
    /// </summary>
    private Credentials? CredentialsFor(ContainerConfig config)
    {
        if (!_privileged)
        {
            return config.RunAsUser is { } uid && uid != Libc.geteuid()
                ? throw new SpawnFailure($"runAsUser {uid} requires the agent to run as root")
                : null;
        }

        if (config.RunAsUser is null && config.RunAsGroup is null)
        {
            return null;
        }

        var user = (uint)(config.RunAsUser ?? 0);
        var group = (uint)(config.RunAsGroup ?? Passwd.Find(user)?.Gid ?? 0);
        return new Credentials(user, group, [group]);
    }
}
