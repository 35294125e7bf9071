namespace Podvisor.Runtime.Cri.Tests.Harness;

/// <summary>
/// The images the CRI tests run, built on this machine and pushed to the harness's registry: one busybox-static
/// layer (busybox with its applets as symlinks) under several image configs. Nothing comes from outside the machine.
/// </summary>
internal static class TestImages
{
    public const string Repository = "podvisor";

    /// <summary>The sandbox ("pause") image: sleeps until killed.</summary>
    public const string Pause = "pause:1";

    /// <summary>ENTRYPOINT <c>["/bin/sh", "-c"]</c>, CMD prints <see cref="EntrypointGreeting"/> then sleeps.</summary>
    public const string Entrypoint = "entrypoint:1";

    /// <summary>Shaped as Docker Hub's busybox: no ENTRYPOINT, CMD <c>["sh"]</c> (what examples/images use).</summary>
    public const string Busybox = "busybox:1.36";

    /// <summary>Shaped as <see cref="Busybox"/>, in the registry but never pulled by the fixture: the image tests' pulls.</summary>
    public const string NotPulled = "not-pulled:1";

    public const string EntrypointGreeting = "hello from the image entrypoint";

    private const string BusyboxBinary = "/bin/busybox";

    /// <summary>Builds the OCI layout under <paramref name="workDir"/> and pushes each image to <paramref name="registry"/>.</summary>
    public static async Task BuildAndPushAsync(string workDir, string registry, CancellationToken ct)
    {
        var layout = Path.Combine(workDir, "oci");
        var bundle = Path.Combine(workDir, "bundle");
        await HostCommand.RunAsync(ct, "umoci", "init", "--layout", layout);
        await HostCommand.RunAsync(ct, "umoci", "new", "--image", layout + ":base");
        await HostCommand.RunAsync(ct, "umoci", "unpack", "--image", layout + ":base", bundle);
        var rootfs = Path.Combine(bundle, "rootfs");
        foreach (var dir in new[] { "bin", "tmp", "etc", "proc", "sys", "dev" })
        {
            Directory.CreateDirectory(Path.Combine(rootfs, dir));
        }

        File.Copy(BusyboxBinary, Path.Combine(rootfs, "bin", "busybox"));
        await HostCommand.RunAsync(ct, "chroot", rootfs, "/bin/busybox", "--install", "-s", "/bin");
        await HostCommand.RunAsync(ct, "umoci", "repack", "--image", layout + ":base", bundle);

        await ConfigAsync(layout, Pause, ["--config.entrypoint", "/bin/sleep", "--config.cmd", "2147483647"], ct);
        await ConfigAsync(layout, Busybox, ["--config.cmd", "sh"], ct);
        await ConfigAsync(layout, NotPulled, ["--config.cmd", "sh"], ct);
        await ConfigAsync(layout, Entrypoint,
        [
            "--config.entrypoint", "/bin/sh", "--config.entrypoint", "-c",
            "--config.cmd", $"echo {EntrypointGreeting}; exec sleep 3600",
        ], ct);
        foreach (var image in new[] { Pause, Busybox, Entrypoint, NotPulled })
        {
            await HostCommand.RunAsync(ct, "skopeo", "copy", "-q", "--dest-tls-verify=false",
                $"oci:{layout}:{Tag(image)}", $"docker://{registry}/{Repository}/{image}");
        }
    }

    private static string Tag(string image) => image.Replace(':', '-');

    private static Task ConfigAsync(string layout, string image, string[] config, CancellationToken ct) =>
        HostCommand.RunAsync(ct, "umoci", ["config", "--image", layout + ":base", "--tag", Tag(image), "--config.env", "PATH=/bin", .. config]);
}
