using Podvisor.E2E.Tests.Support;

namespace Podvisor.E2E.Tests.Run;

/// <summary>
/// docs/contracts.md §3 through <c>podvisor run</c>: a pod's containers see its hostname (their own UTS namespace; the
/// FQDN with setHostnameAsFQDN), HOSTNAME, and the kubelet's /etc/hosts with the pod IP and hostAliases.
/// </summary>
public sealed class PodHostnameRunTests : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("podvisor-e2e-hostname-");

    public void Dispose() => _scratch.Delete(recursive: true);

    [RootFact]
    public async Task RunPrintsThePodsHostnameItsHostsFileAndHOSTNAME()
    {
        var path = Path.Combine(_scratch.FullName, "hostname.yaml");
        File.WriteAllText(path, """
            apiVersion: v1
            kind: Pod
            metadata: {name: named-pod}
            spec:
              restartPolicy: Never
              hostAliases: [{ip: 10.1.2.3, hostnames: [db.local, db]}]
              containers:
              - {name: main, image: busybox, command: [sh, -c, 'hostname; cat /etc/hosts; printenv HOSTNAME']}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: fqdn-pod}
            spec:
              restartPolicy: Never
              hostname: web-0
              subdomain: workers
              setHostnameAsFQDN: true
              containers:
              - {name: main, image: busybox, command: [sh, -c, 'hostname; cat /etc/hosts; printenv HOSTNAME']}
            """);
        var hostHostname = File.ReadAllText("/proc/sys/kernel/hostname");

        var result = await PodvisorCli.RunAsync("run", path, "-o", "json");

        Assert.Equal(0, result.ExitCode);
        var pods = PodList.Parse(result.Stdout);
        string[] managed = ["# Kubernetes-managed hosts file.", "127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback",
            "fe00::0\tip6-localnet", "fe00::0\tip6-mcastprefix", "fe00::1\tip6-allnodes", "fe00::2\tip6-allrouters"];
        Assert.Equal(
            ["named-pod", .. managed, $"{pods.Pod("named-pod").Status.PodIP}\tnamed-pod", "", "# Entries added by HostAliases.", "10.1.2.3\tdb.local\tdb", "named-pod"],
            Output(result.Stderr, "named-pod/main"));
        const string fqdn = "web-0.workers.default.svc.cluster.local";
        Assert.Equal([fqdn, .. managed, $"{pods.Pod("fqdn-pod").Status.PodIP}\t{fqdn}\tweb-0", fqdn], Output(result.Stderr, "fqdn-pod/main"));
        Assert.Equal(hostHostname, File.ReadAllText("/proc/sys/kernel/hostname"));
    }

    /// <summary>The container's output lines from run's stderr (<c>POD/CONTAINER | line</c>).</summary>
    private static List<string> Output(string stderr, string prefix) =>
        stderr.Split('\n').Where(l => l.StartsWith(prefix + " |", StringComparison.Ordinal))
            .Select(l => l[(prefix.Length + 2)..]).Select(rest => rest.StartsWith(' ') ? rest[1..] : rest).ToList();
}
