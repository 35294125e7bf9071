using Podvisor.Runtime.Process;

namespace Podvisor.Runtime.Tests.Process;

/// <summary>
/// securityContext on the process runtime as containerd applies it (docs/contracts.md §3): the default capability set,
/// add/drop/ALL, privileged, allowPrivilegeEscalation: false as no_new_privs, readOnlyRootFilesystem, and read-only
/// mounts a root container cannot remount writable. Read from /proc/self/status inside the container.
/// </summary>
public sealed class SecurityContextTests : IAsyncLifetime
{
    /// <summary>containerd's and Docker's default set (CHOWN ... SETFCAP).</summary>
    private const string DefaultCaps = "00000000a80425fb";

    private RuntimeHarness _h = null!;

    public async Task InitializeAsync() => _h = await RuntimeHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    public static TheoryData<string[], string[], bool, string> Sets => new()
    {
        { [], [], false, DefaultCaps },
        { ["NET_ADMIN"], [], false, "00000000a80435fb" },
        { ["CAP_SYS_TIME"], ["KILL", "CAP_CHOWN"], false, "00000000aa0425da" },
        { [], ["ALL"], false, "0000000000000000" },
        { ["NET_BIND_SERVICE"], ["ALL"], false, "0000000000000400" },
        { [], [], true, "" },
    };

    [RootTheory]
    [MemberData(nameof(Sets))]
    public async Task ARootContainerHoldsExactlyTheResolvedCapabilitiesInEverySet(string[] add, string[] drop, bool privileged, string expected)
    {
        var sandbox = await _h.SandboxAsync();
        var config = _h.Config("c", "grep", "^Cap", "/proc/self/status") with
        {
            Security = new ContainerSecurity { AddCapabilities = add, DropCapabilities = drop, Privileged = privileged },
        };
        await _h.RunToExitAsync(sandbox, config);
        var caps = Caps(RuntimeHarness.Output(config));

        var full = File.ReadAllLines("/proc/self/status").Single(l => l.StartsWith("CapBnd:", StringComparison.Ordinal)).Split('\t')[1];
        var want = privileged ? full : expected;
        Assert.Equal((want, want, want, "0000000000000000"), (caps["CapEff"], caps["CapPrm"], caps["CapBnd"], caps["CapInh"]));
    }

    [RootFact]
    public async Task NoNewPrivsAndTheCapabilitiesHoldForExecsTooAndALaterContainerIsNotAffected()
    {
        var sandbox = await _h.SandboxAsync();
        var restricted = _h.Config("c", "sleep", "60") with
        {
            Security = new ContainerSecurity { DropCapabilities = ["ALL"], NoNewPrivileges = true },
        };
        var id = await _h.StartAsync(sandbox, restricted);
        var exec = await _h.Runtime.ExecSyncAsync(id, ["grep", "-E", "^(CapEff|NoNewPrivs)", "/proc/self/status"], TimeSpan.FromSeconds(10), _h.Deadline);
        Assert.Equal("CapEff:\t0000000000000000\nNoNewPrivs:\t1\n", exec.Output);

        var next = _h.Config("d", "grep", "-E", "^(CapEff|NoNewPrivs)", "/proc/self/status");
        await _h.RunToExitAsync(sandbox, next);
        Assert.Equal($"CapEff:\t{DefaultCaps}\nNoNewPrivs:\t0\n", RuntimeHarness.Output(next));
    }

    [RootFact]
    public async Task AReadOnlyRootAndAReadOnlyVolumeStayReadOnlyForRoot()
    {
        var sandbox = await _h.SandboxAsync();
        var volume = Directory.CreateDirectory(Path.Combine(_h.Scratch, "vol")).FullName;
        var mountPath = Path.Combine(_h.Scratch, "mnt");
        var config = _h.Config("c", "sh", "-c", $"touch /podvisor-rootfs-probe; echo root=$?; mount -o remount,rw {mountPath}; echo remount=$?; touch {mountPath}/x; echo volume=$?") with
        {
            Mounts = [new Mount(volume, mountPath, ReadOnly: true)],
            Security = new ContainerSecurity { ReadOnlyRootFilesystem = true },
        };
        await _h.RunToExitAsync(sandbox, config);
        var output = RuntimeHarness.Output(config);

        Assert.Contains("root=1", output);
        Assert.Contains("remount=", output);
        Assert.DoesNotContain("remount=0", output);
        Assert.Contains("volume=1", output);
        Assert.False(File.Exists("/podvisor-rootfs-probe"));
        Assert.False(File.Exists(Path.Combine(volume, "x")));
    }

    [RootFact]
    public async Task AnUnknownCapabilityIsAStartErrorNamingIt()
    {
        var sandbox = await _h.SandboxAsync();
        var config = _h.Config("c", "true") with { Security = new ContainerSecurity { AddCapabilities = ["NET_WIZARD"] } };
        var id = await _h.Runtime.CreateContainerAsync(sandbox, config, _h.Deadline);

        var error = await Assert.ThrowsAsync<ContainerStartException>(() => _h.Runtime.StartContainerAsync(id, _h.Deadline).AsTask());

        Assert.Equal("unknown capability \"CAP_NET_WIZARD\"", error.Message);
        Assert.Equal((ProcessRuntime.StartErrorReason, error.Message), (_h.Status(id).Reason, _h.Status(id).Message));
    }

    private static Dictionary<string, string> Caps(string status) =>
        status.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(":\t")).ToDictionary(p => p[0], p => p[1]);
}
