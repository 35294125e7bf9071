using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Podvisor.Runtime.Cri.Tests.Harness;

using Process = System.Diagnostics.Process;

/// <summary>Runs a host tool as argv (never through a shell) and fails with its stderr when it exits non-zero.</summary>
internal static partial class HostCommand
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1068", Justification = "params must come last; the token leads so call sites read as argv")]
    public static async Task RunAsync(CancellationToken ct, string file, params string[] args)
    {
        using var process = Process.Start(Info(file, args)) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}{await stdout}");
        }
    }

    /// <summary>Starts a long-running tool with its output appended to <paramref name="logFile"/>.</summary>
    public static Process StartDaemon(string logFile, string file, params string[] args)
    {
        var process = Process.Start(Info(file, args)) ?? throw new InvalidOperationException($"cannot start {file}");
        var log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line) { lock (log) { log.WriteLine(line); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) { lock (log) { log.WriteLine(line); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>SIGTERM, then SIGKILL if it has not exited within the grace period.</summary>
    public static async Task StopAsync(Process process, TimeSpan grace)
    {
        if (process.HasExited)
        {
            return;
        }

        _ = Kill(process.Id, SigTerm);
        using var cts = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public static bool Exists(string tool) =>
        Path.IsPathRooted(tool) ? File.Exists(tool)
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, tool)));

    public const int SigTerm = 15;
    public const int SigKill = 9;

    [LibraryImport("libc", EntryPoint = "kill")]
    public static partial int Kill(int pid, int signal);

    /// <summary>Lazily detaches a mount (MNT_DETACH), as a last-resort sweep after containerd stopped.</summary>
    public static void Unmount(string mountPoint) => Umount2(mountPoint, MntDetach);

    private const int MntDetach = 2;

    [LibraryImport("libc", EntryPoint = "umount2", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Umount2(string target, int flags);

    private static ProcessStartInfo Info(string file, string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }
}
