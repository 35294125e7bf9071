using Microsoft.Extensions.Logging;
using Podvisor.Runtime.Process.Native;

namespace Podvisor.Runtime.Process.Shim;

/// <summary>
/// <c>podvisor shim --data-dir DIR</c>: the container shim of one DataDir as a process of its own, started by the
/// process runtime when <see cref="ProcessRuntimeOptions.ShimCommand"/> is set. Prints <c>ready</c> on stdout once it
/// listens, and exits once no agent is connected and none of its containers runs.
/// </summary>
public static class ContainerShim
{
    public static async Task<int> RunAsync(string dataDir, bool? privileged, ILoggerFactory logs)
    {
        var logger = logs.CreateLogger(typeof(ContainerShim));
        ShimServer server;
        try
        {
            server = ShimServer.Listen(Path.Combine(dataDir, "runtime"), privileged ?? Libc.geteuid() == 0, TimeProvider.System, logger, exitWhenIdle: true);
        }
        catch (ShimBusyException)
        {
            Console.Error.WriteLine($"podvisor shim: another shim serves {dataDir}");
            return 0; // the agent connects to that one
        }

        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        await server.Idle;
        await server.DisposeAsync();
        return 0;
    }
}
