namespace Podvisor.Runtime.Process;

/// <summary>
/// Which capabilities a container keeps, as containerd's CRI plugin computes them (WithCapabilities): the runtime's
/// default set (Docker's 14), <c>ALL</c> in add gives every capability, <c>ALL</c> in drop none, then the single adds
/// and drops apply; a privileged container keeps every capability.
/// </summary>
internal static class LinuxCapabilities
{
    /// <summary>Names in kernel order (the index is the capability number, include/uapi/linux/capability.h).</summary>
    private static readonly string[] Names =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
        "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    /// <summary>containerd's and Docker's default set for a container.</summary>
    private static readonly string[] Default =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID",
        "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    /// <summary>
    /// The capability numbers to keep (null: every one, privileged). Throws <see cref="SpawnFailure"/> for a name
    /// the kernel does not know, as containerd refuses it.
    /// </summary>
    public static IReadOnlySet<int>? Resolve(ContainerSecurity security)
    {
        if (security.Privileged)
        {
            return null;
        }

        var keep = new HashSet<int>(Default.Select(Number));
        if (security.AddCapabilities.Any(IsAll))
        {
            keep.UnionWith(Enumerable.Range(0, Names.Length));
        }

        if (security.DropCapabilities.Any(IsAll))
        {
            keep.Clear();
        }

        keep.UnionWith(security.AddCapabilities.Where(c => !IsAll(c)).Select(Number));
        keep.ExceptWith(security.DropCapabilities.Where(c => !IsAll(c)).Select(Number));
        return keep;
    }

    private static bool IsAll(string name) => name.Equals("ALL", StringComparison.OrdinalIgnoreCase);

    private static int Number(string name)
    {
        var full = name.StartsWith("CAP_", StringComparison.OrdinalIgnoreCase) ? name.ToUpperInvariant() : "CAP_" + name.ToUpperInvariant();
        var number = Array.IndexOf(Names, full);
        return number >= 0 ? number : throw new SpawnFailure($"unknown capability \"{full}\"");
    }
}
