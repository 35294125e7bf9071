using Podvisor.Runtime.Process.Native;

namespace Podvisor.Runtime.Process;

public sealed partial class ProcessRuntime
{
    /// <summary>
    /// Mirrors CRI RunPodSandbox: (as root, not hostNetwork) a UTS namespace with the config's hostname (the node's
    /// when empty, as containerd) and a network namespace with loopback, a veth to the bridge and an IP from the pod
    /// CIDR. A hostNetwork pod keeps the host's hostname too. Failures throw <see cref="PodSandboxException"/>.
    /// </summary>
    public async ValueTask<string> RunPodSandboxAsync(PodSandboxConfig config, CancellationToken ct)
    {
        var id = NewId();
        var network = !config.HostNetwork && _privileged;
        if (!config.HostNetwork && !_privileged && Interlocked.Exchange(ref _hostNetworkWarned, 1) == 0)
        {
            Log.HostNetworkFallback(_logger);
        }

        var names = network ? PodNetwork.Names(id) : default;
        var sandbox = new SandboxInstance(NewSandboxRecord(id, config, names, network));
        if (network)
        {
            await SetUpNetworkAsync(sandbox, names, config.Hostname, ct);
        }
        else
        {
            _store.Save(sandbox.Record);
        }

        _sandboxes[id] = sandbox;
        var entry = Pod(config.PodUid);
        lock (entry)
        {
            entry.Sandboxes.Add(sandbox);
        }

        return id;
    }

    /// <summary>The record of a new sandbox: Ready at once unless its network is still to be set up.</summary>
    private SandboxRecord NewSandboxRecord(string id, PodSandboxConfig config, (string Netns, string HostVeth) names, bool network) => new()
    {
        Id = id,
        PodUid = config.PodUid,
        Name = config.Name,
        Namespace = config.Namespace,
        Attempt = config.Attempt,
        HostNetwork = config.HostNetwork,
        Hostname = config.Hostname,
        Netns = names.Netns,
        Uts = names.Netns,
        HostVeth = names.HostVeth,
        CreatedAt = _time.GetUtcNow(),
        Ready = !network,
    };

    /// <summary>
    /// Saves the sandbox, creates its UTS namespace with the hostname (the node's when empty), claims its IP and sets up
    /// its network namespace, then marks it Ready. On a failure the sandbox is removed and the failure rethrown.
    /// </summary>
    private async Task SetUpNetworkAsync(SandboxInstance sandbox, (string Netns, string HostVeth) names, string hostname, CancellationToken ct)
    {
        var id = sandbox.Record.Id;

        // On disk before the IP is claimed and the namespaces exist: an agent killed during the setup leaves a record
        // naming what to remove (the claim files name their sandbox), never an unrecorded namespace or IP claim.
        try
        {
            var ip = await WrapAsync(async () =>
            {
                _store.SaveNew(sandbox.Record);
                await PodUts.CreateAsync(names.Netns, hostname.Length > 0 ? hostname : Environment.MachineName);
                return _network.Claim(id);
            });
            var info = new PodNetworkInfo(names.Netns, names.HostVeth, ip);
            Update(sandbox, r => r with { Ip = ip });
            await WrapAsync(() => _network.SetUpAsync(info, id, ct));
            sandbox.Netns.Replace(PodNetwork.OpenNetns(info.Netns));
            Update(sandbox, r => r with { Ready = true });
        }
        catch
        {
            PodUts.Remove(names.Netns);
            _store.DeleteSandbox(id);
            throw;
        }
    }

    /// <summary>Kills the sandbox's remaining containers, removes its veth and its network and UTS namespaces.</summary>
    public async ValueTask StopPodSandboxAsync(string sandboxId, CancellationToken ct)
    {
        if (!_sandboxes.TryGetValue(sandboxId, out var sandbox))
        {
            return;
        }

        await Task.WhenAll(ContainersOf(sandbox).Select(c => KillAsync(c, ct)));
        sandbox.Netns.Replace(null);
        if (sandbox.Record is { Netns: { } netns, HostVeth: { } veth })
        {
            await PodNetwork.TearDownAsync(netns, veth, ct);
        }

        if (sandbox.Record.Uts is { } uts)
        {
            PodUts.Remove(uts);
        }

        if (sandbox.Record.Ready)
        {
            Update(sandbox, r => r with { Ready = false });
        }
    }

    /// <summary>
    /// Stops the sandbox if needed, forgets its containers (their logs stay), frees its IP, and, when no other sandbox
    /// of the pod remains, removes its mount-path symlinks and termination-log files (volumes are the agent's).
    /// </summary>
    public async ValueTask RemovePodSandboxAsync(string sandboxId, CancellationToken ct)
    {
        if (!_sandboxes.TryGetValue(sandboxId, out var sandbox))
        {
            return;
        }

        await StopPodSandboxAsync(sandboxId, ct);
        foreach (var container in ContainersOf(sandbox))
        {
            Forget(container);
        }

        if (sandbox.Record.Ip is { } ip)
        {
            _network.Release(ip, sandboxId);
        }
        else if (sandbox.Record.Netns is not null)
        {
            _network.ReleaseAll(sandboxId);
        }

        var entry = Pod(sandbox.Record.PodUid);
        bool last;
        lock (entry)
        {
            entry.Sandboxes.Remove(sandbox);
            last = entry.Sandboxes.Count == 0;
        }

        _sandboxes.TryRemove(sandboxId, out _);
        _store.DeleteSandbox(sandboxId);
        if (last)
        {
            RemoveLinks(sandbox.Record.Links, HostMounts.PodDirectory(_options.DataDir, sandbox.Record.PodUid));
            var containers = HostMounts.ContainersDirectory(_options.DataDir, sandbox.Record.PodUid);
            if (Directory.Exists(containers))
            {
                Directory.Delete(containers, recursive: true);
            }
        }
    }

    /// <summary>Removes mount-path symlinks (unprivileged mode) that still point into the pod directory.</summary>
    private static void RemoveLinks(IEnumerable<string> links, string podDir)
    {
        foreach (var link in links)
        {
            if (new FileInfo(link).LinkTarget is { } target && target.StartsWith(podDir + "/", StringComparison.Ordinal))
            {
                File.Delete(link);
            }
        }
    }

    private static async Task<T> WrapAsync<T>(Func<Task<T>> setUp)
    {
        try
        {
            return await setUp();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PodSandboxException(e.Message, e);
        }
    }
}
