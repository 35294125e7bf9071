using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Podvisor.Runtime.Process;

/// <summary>The network side of a sandbox: namespace, veth pair and IP.</summary>
internal sealed record PodNetworkInfo(string Netns, string HostVeth, string Ip);

/// <summary>
/// Pod networking as a bridge CNI plugin with host-local IPAM would do it, driven through iproute2: a network
/// namespace per sandbox with loopback up, a veth pair whose host end is enslaved to the bridge, an address from the
/// pod CIDR and a default route via the bridge (the CIDR's first address). Only the bridge, its gateway address (inside
/// the CIDR) and per-pod links are created; no NAT, no iptables, no forwarding changes. IP claims are files under
/// <c>IpamDir/BRIDGE/</c> created exclusively, so several agents on one bridge never hand out the same address.
/// </summary>
internal sealed class PodNetwork : IDisposable
{
    public const string NetnsDir = "/run/netns";

    private readonly string _bridge;
    private readonly string _claims;
    private readonly uint _network;
    private readonly int _prefix;
    private readonly SemaphoreSlim _bridgeLock = new(1, 1);
    private bool _bridgeReady;
    private uint _cursor;

    public void Dispose() => _bridgeLock.Dispose();

    public PodNetwork(ProcessRuntimeOptions options)
    {
        var cidr = IPNetwork.Parse(options.PodCidr);
        if (cidr.BaseAddress.AddressFamily != AddressFamily.InterNetwork || cidr.PrefixLength > 30)
        {
            throw new ArgumentException($"PodCidr {options.PodCidr}: an IPv4 network of /30 or larger is required", nameof(options));
        }

        _bridge = options.BridgeName;
        _prefix = cidr.PrefixLength;
        _network = BinaryPrimitives.ReadUInt32BigEndian(cidr.BaseAddress.GetAddressBytes());
        _claims = Path.Combine(options.IpamDir, options.BridgeName);
    }

    private string Gateway => Format(_network + 1);

    public static string NetnsPath(string netns) => Path.Combine(NetnsDir, netns);

    /// <summary>An open handle of /run/netns/NAME (for setns and sockets inside the namespace).</summary>
    public static Native.SafeFd OpenNetns(string netns) => PinnedNamespace.Open(NetnsPath(netns), "network namespace " + netns);

    /// <summary>The sandbox's namespace and veth names, before anything exists on the host.</summary>
    public static (string Netns, string HostVeth) Names(string sandboxId) => ("podvisor-" + sandboxId[..12], "pv" + sandboxId[..12]);

    /// <summary>Creates what <see cref="Names"/> named with the claimed IP; on failure removes it and frees the IP.</summary>
    public async Task<PodNetworkInfo> SetUpAsync(PodNetworkInfo info, string sandboxId, CancellationToken ct)
    {
        try
        {
            await EnsureBridgeAsync(ct);
            await IpCommand.RunAsync([], [
                $"netns add {info.Netns}",
                $"link add {info.HostVeth} type veth peer name eth0 netns {info.Netns}",
                $"link set {info.HostVeth} master {_bridge} up",
            ], ct);
            await IpCommand.RunAsync(["-n", info.Netns], [
                "link set lo up",
                $"addr add {info.Ip}/{_prefix} dev eth0",
                "link set eth0 up",
                $"route add default via {Gateway} dev eth0",
            ], ct);
            return info;
        }
        catch
        {
            await TearDownAsync(info.Netns, info.HostVeth, CancellationToken.None);
            Release(info.Ip, sandboxId);
            throw;
        }
    }

    /// <summary>Deletes the veth pair (explicitly, in case something still pins the namespace) and the namespace.</summary>
    public static async Task TearDownAsync(string netns, string hostVeth, CancellationToken ct)
    {
        if (Directory.Exists(Path.Combine("/sys/class/net", hostVeth)))
        {
            await IpCommand.RunAsync([], [$"link del {hostVeth}"], ct);
        }

        if (File.Exists(NetnsPath(netns)))
        {
            await IpCommand.RunAsync([], [$"netns del {netns}"], ct);
        }
    }

    /// <summary>Frees the address if this sandbox holds its claim.</summary>
    public void Release(string ip, string sandboxId)
    {
        var claim = Path.Combine(_claims, ip);
        if (File.Exists(claim) && File.ReadAllText(claim) == sandboxId)
        {
            File.Delete(claim);
        }
    }

    /// <summary>
    /// Frees every address this sandbox claims: for a record saved before its claim and killed before the claim reached
    /// it (the claim files name their sandbox).
    /// </summary>
    public void ReleaseAll(string sandboxId)
    {
        foreach (var claim in Directory.Exists(_claims) ? Directory.GetFiles(_claims) : [])
        {
            Release(Path.GetFileName(claim), sandboxId);
        }
    }

    /// <summary>Claims the first free address after the last one handed out (one file per address, machine-wide).</summary>
    public string Claim(string sandboxId)
    {
        Directory.CreateDirectory(_claims);
        var hosts = (1u << (32 - _prefix)) - 3; // minus network, gateway and broadcast
        for (var i = 0u; i < hosts; i++)
        {
            // Like host-local IPAM, continue after the last address handed out, so freed ones are reused last.
            var offset = (Interlocked.Increment(ref _cursor) - 1) % hosts;
            var ip = Format(_network + 2 + offset);
            try
            {
                using var claim = new FileStream(Path.Combine(_claims, ip), FileMode.CreateNew, FileAccess.Write);
                claim.Write(Encoding.UTF8.GetBytes(sandboxId));
                return ip;
            }
            catch (IOException) when (File.Exists(Path.Combine(_claims, ip)))
            {
                // taken: try the next address, unless it is a claim an agent was killed in the middle of (the file made,
                // its sandbox ID never written), which frees the address (a claim in progress is empty for microseconds).
                if (ReapHalfClaim(Path.Combine(_claims, ip)))
                {
                    i--;
                }
            }
        }

        throw new IOException($"no free address left in the pod CIDR {Format(_network)}/{_prefix}");
    }

    /// <summary>Removes an empty claim file older than a minute; true when it did.</summary>
    private static bool ReapHalfClaim(string path)
    {
        var claim = new FileInfo(path);
        if (!claim.Exists || claim.Length != 0 || DateTime.UtcNow - claim.LastWriteTimeUtc < TimeSpan.FromMinutes(1))
        {
            return false;
        }

        claim.Delete();
        return true;
    }

    /// <summary>Creates the bridge when missing and returns its address, the pods' default gateway.</summary>
    public async Task<IPAddress> EnsureGatewayAsync(CancellationToken ct)
    {
        await EnsureBridgeAsync(ct);
        return IPAddress.Parse(Gateway);
    }

    private async Task EnsureBridgeAsync(CancellationToken ct)
    {
        await _bridgeLock.WaitAsync(ct);
        try
        {
            if (_bridgeReady)
            {
                return;
            }

            if (!Directory.Exists(Path.Combine("/sys/class/net", _bridge)))
            {
                await IpCommand.RunAsync(["-force"], [$"link add {_bridge} type bridge"], ct, ignoreFailure: true);
            }

            await IpCommand.RunAsync([], [$"addr replace {Gateway}/{_prefix} dev {_bridge}", $"link set {_bridge} up"], ct);
            _bridgeReady = true;
        }
        finally
        {
            _bridgeLock.Release();
        }
    }

    private static string Format(uint address)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, address);
        return new IPAddress(bytes).ToString();
    }
}

/// <summary>Runs <c>ip [options] -batch -</c> with the given commands on stdin.</summary>
internal static class IpCommand
{
    public static async Task RunAsync(IReadOnlyList<string> options, IReadOnlyList<string> commands, CancellationToken ct, bool ignoreFailure = false)
    {
        var start = new System.Diagnostics.ProcessStartInfo("ip")
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var option in options)
        {
            start.ArgumentList.Add(option);
        }

        start.ArgumentList.Add("-batch");
        start.ArgumentList.Add("-");
        using var ip = System.Diagnostics.Process.Start(start) ?? throw new IOException("ip: could not start");
        await ip.StandardInput.WriteAsync(string.Join('\n', commands) + "\n");
        ip.StandardInput.Close();
        var stderr = ip.StandardError.ReadToEndAsync(ct);
        await ip.StandardOutput.ReadToEndAsync(ct);
        await ip.WaitForExitAsync(ct);
        if (ip.ExitCode != 0 && !ignoreFailure)
        {
            throw new IOException($"ip {string.Join(' ', options)} -batch: {(await stderr).Trim()}");
        }
    }
}
