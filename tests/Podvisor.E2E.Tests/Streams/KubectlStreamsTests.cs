using k8s;
using System.Diagnostics;
using System.Security.Cryptography;
using Podvisor.E2E.Tests.Api;
using Podvisor.E2E.Tests.Serve;

namespace Podvisor.E2E.Tests.Streams;

/// <summary>
/// <c>kubectl exec</c>, <c>exec -it</c> and <c>cp</c> against serve with the process runtime, on the first kubectl that
/// speaks WebSocket streams (1.30) and the newest: output, stdin, exit codes, the apiserver's and kubelet's errors, and
/// no descriptor or process left behind by a batch of execs.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class KubectlStreamsTests
{
    private const string Box = """
        apiVersion: v1
        kind: Pod
        metadata: {name: box}
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: host
            command: [sleep, "3600"]
            volumeMounts: [{name: data, mountPath: /data}]
          - name: done
            image: host
            command: ["true"]
          volumes: [{name: data, emptyDir: {}}]
        """;

    public static TheoryData<string> Versions => new("1.30", "1.33");

    [StreamsTheory("1.30", "1.33")]
    [MemberData(nameof(Versions))]
    public async Task ExecAndCpBehaveAsAgainstACluster(string version)
    {
        await using var h = await ServeHarness.StartAsync();
        var k = await StartBoxAsync(h, version);

        var (code, stdout, stderr) = await k.RunAsync("exec", "box", "-c", "main", "--", "sh", "-c", "echo out; echo err >&2; exit 3");
        Assert.Equal((3, "out\n"), (code, stdout));
        Assert.Equal("err\ncommand terminated with exit code 3\n", stderr);

        (code, stdout, _) = await k.RunWithInputAsync("line one\nline two\n", "exec", "-i", "box", "-c", "main", "--", "sh", "-c", "tr a-z A-Z; echo eof");
        Assert.Equal((0, "LINE ONE\nLINE TWO\neof\n"), (code, stdout));

        (code, _, stderr) = await k.RunAsync("exec", "box", "-c", "main", "--", "no-such-binary");
        Assert.Equal(1, code);
        Assert.Equal("error: Internal error occurred: error executing command in container: exec: \"no-such-binary\": executable file not found in $PATH\n", stderr);

        (code, _, stderr) = await k.RunAsync("exec", "box", "-c", "done", "--", "true");
        Assert.Equal(1, code);
        Assert.Equal("error: Internal error occurred: unable to upgrade connection: container not found (\"done\")\n", stderr);

        (code, _, stderr) = await k.RunAsync("exec", "box", "-c", "nope", "--", "true");
        Assert.Equal(1, code);
        Assert.Equal("Error from server (BadRequest): container nope is not valid for pod box\n", stderr);

        await CopyBothWaysAsync(h, k);
        await NoLeaksAfterExecsAsync(h, k);
        await h.StopAsync();
    }

    [StreamsTheory("1.30", "1.33", NeedsScript = true)]
    [MemberData(nameof(Versions))]
    public async Task ExecItRunsOnARealTerminalWithItsSizeAndExitCode(string version)
    {
        await using var h = await ServeHarness.StartAsync();
        await StartBoxAsync(h, version);

        // script gives kubectl a pty of its own (100x30) whose input is this test's pipe.
        var kubectl = $"{Kubectl.PathOf(version)} --kubeconfig {h.Kubeconfig} --cache-dir {h.Root}/cache exec -it box -c main -- sh";
        var info = new ProcessStartInfo("/usr/bin/script", ["-qec", $"stty cols 100 rows 30; exec {kubectl}", "/dev/null"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.Environment["HOME"] = h.Root;
        using var script = Process.Start(info)!;
        var output = script.StandardOutput.ReadToEndAsync();
        await script.StandardInput.WriteAsync("test -t 0 && echo on-a-tty; stty size; echo TERM=$TERM; exit 7\n");
        await script.StandardInput.FlushAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await script.WaitForExitAsync(deadline.Token);
        script.StandardInput.Close();

        var screen = await output;
        Assert.True(script.ExitCode == 7, $"exit {script.ExitCode}:\n{screen}");
        Assert.Contains("on-a-tty\r\n", screen);
        Assert.Contains("30 100\r\n", screen);
        Assert.Contains("TERM=xterm\r\n", screen);
        await h.StopAsync();
    }

    [StreamsTheory("1.33")]
    [InlineData("1.33")]
    public async Task AClientThatGoesAwayMidCopyLeavesNoProcessAndKubectlPortForwardSaysWhyItFails(string version)
    {
        await using var h = await ServeHarness.StartAsync();
        var k = await StartBoxAsync(h, version);
        var volume = EmptyDir(h, "data");
        var pidFile = Path.Combine(volume, "pid");

        using var copy = new Process { StartInfo = KubectlInfo(h, version, "exec", "-i", "box", "-c", "main", "--", "sh", "-c", "echo $$ > /data/pid; exec cat > /data/sink") };
        copy.Start();
        var chunk = RandomNumberGenerator.GetBytes(64 * 1024);
        await copy.StandardInput.BaseStream.WriteAsync(chunk);
        await copy.StandardInput.BaseStream.FlushAsync();
        await FileAppearsAsync(pidFile);
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using var exited = PidExit.Watch(pid);

        copy.Kill();
        await exited.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("still serving\n", await k.OkAsync("exec", "box", "-c", "main", "--", "echo", "still serving"));
        var (code, _, stderr) = await k.RunAsync("port-forward", "pod/box", "0:8080");
        Assert.NotEqual(0, code);
        Assert.Contains("kubectl port-forward needs SPDY/3.1 (directly or tunnelled through a WebSocket), which podvisor does not serve yet", stderr);
        await h.StopAsync();
    }

    private static async Task<Kubectl> StartBoxAsync(ServeHarness h, string version)
    {
        var k = h.Kubectl(version);
        await k.RunWithInputAsync(Box, "apply", "-f", "-");
        // Not Ready: the "done" container has completed (ContainersReady is False), which is the point of it.
        await k.OkAsync("wait", "--for=jsonpath={.status.containerStatuses[?(@.name==\"main\")].started}=true", "pod/box", "--timeout=30s");
        await k.OkAsync("wait", "--for=jsonpath={.status.containerStatuses[?(@.name==\"done\")].state.terminated.reason}=Completed", "pod/box", "--timeout=30s");
        return k;
    }

    /// <summary>kubectl cp runs tar in the container: a file goes in and comes back byte for byte, through the emptyDir.</summary>
    private static async Task CopyBothWaysAsync(ServeHarness h, Kubectl k)
    {
        var local = Path.Combine(h.Root, "upload.bin");
        var content = RandomNumberGenerator.GetBytes(3 * 1024 * 1024);
        await File.WriteAllBytesAsync(local, content);

        await k.OkAsync("cp", local, "box:/data/upload.bin", "-c", "main");
        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(EmptyDir(h, "data"), "upload.bin")));

        var back = Path.Combine(h.Root, "download.bin");
        await k.OkAsync("cp", "box:/data/upload.bin", back, "-c", "main");
        Assert.Equal(content, await File.ReadAllBytesAsync(back));
    }

    /// <summary>After a batch of execs serve holds no more descriptors (beyond a little slack) and no more child processes than before.</summary>
    private static async Task NoLeaksAfterExecsAsync(ServeHarness h, Kubectl k)
    {
        var fds = Directory.GetFiles($"/proc/{h.Serve.Pid}/fd").Length;
        var children = ChildrenOf(h.Serve.Pid);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal($"{i}\n", await k.OkAsync("exec", "box", "-c", "main", "--", "echo", $"{i}"));
        }

        Assert.Equal(children, ChildrenOf(h.Serve.Pid));
        var after = Directory.GetFiles($"/proc/{h.Serve.Pid}/fd").Length;
        Assert.True(after < fds + 10, $"serve held {fds} descriptors before 20 execs and {after} after");
    }

    private static List<int> ChildrenOf(int pid) =>
        Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsAsciiDigit)).Select(n => int.Parse(n!, System.Globalization.CultureInfo.InvariantCulture))
            .Where(p => ParentOf(p) == pid).Order().ToList();

    private static int? ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string EmptyDir(ServeHarness h, string volume)
    {
        var uid = h.Client.CoreV1.ReadNamespacedPod("box", "default").Metadata.Uid;
        return Path.Combine(h.DataDir, "pods", uid, "volumes", "kubernetes.io~empty-dir", volume);
    }

    private static ProcessStartInfo KubectlInfo(ServeHarness h, string version, params string[] args)
    {
        var info = new ProcessStartInfo(Kubectl.PathOf(version), ["--kubeconfig", h.Kubeconfig, "--cache-dir", Path.Combine(h.Root, "cache"), .. args])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["HOME"] = h.Root;
        return info;
    }

    private static async Task FileAppearsAsync(string path)
    {
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path));
        var changed = new SemaphoreSlim(0);
        watcher.Created += (_, _) => changed.Release();
        watcher.Changed += (_, _) => changed.Release();
        watcher.EnableRaisingEvents = true;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!File.Exists(path) || new FileInfo(path).Length == 0)
        {
            await changed.WaitAsync(deadline.Token);
        }
    }
}
