using System.Diagnostics;
using Podvisor.Core.Model;
using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Run;

/// <summary>
/// Agent start-up while other pods on the machine come and go: <see cref="HostFacts.Detect"/> enumerates the
/// host's interfaces, which races with pod networks (veth pairs on a bridge, network namespaces) being set up and
/// torn down; .NET's enumeration then sometimes throws.
/// </summary>
public sealed class HostIpTests
{
    [RootFact]
    public async Task DefaultHostIpSurvivesPodNetworksComingAndGoing()
    {
        var prefix = "pvch" + Guid.NewGuid().ToString("N")[..6];
        var stop = Path.Combine(Path.GetTempPath(), prefix + ".stop");
        using var churning = Process.Start(new ProcessStartInfo("/bin/sh")
        {
            ArgumentList =
            {
                "-c",
                $"ip link add {prefix}br type bridge && ip addr add 10.238.0.1/30 dev {prefix}br && ip link set {prefix}br up || exit 1; " +
                $"i=0; while [ $i -lt 100 ] && [ ! -e {stop} ]; do ip netns add {prefix}$i; ip link add {prefix}$i type veth peer name eth0 netns {prefix}$i; " +
                $"ip link set {prefix}$i master {prefix}br up; ip -n {prefix}$i link set eth0 up; ip link del {prefix}$i; ip netns del {prefix}$i; i=$((i + 1)); done; " +
                $"ip link del {prefix}br",
            },
            RedirectStandardError = true,
        })!;
        var stderr = churning.StandardError.ReadToEndAsync();
        var addresses = new List<string>();
        try
        {
            while (!churning.HasExited)
            {
                addresses.Add(HostFacts.Detect(Path.GetTempPath()).InternalIp);
            }
        }
        finally
        {
            await File.WriteAllTextAsync(stop, "");
            await churning.WaitForExitAsync();
            File.Delete(stop);
        }

        Assert.True(churning.ExitCode == 0, await stderr);
        Assert.Single(addresses.Distinct());
    }
}
