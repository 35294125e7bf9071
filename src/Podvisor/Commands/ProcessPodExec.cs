using Podvisor.Api.Streams;
using Podvisor.Core.Model;
using Podvisor.Node.Abstractions;
using Podvisor.Runtime;
using Podvisor.Runtime.Process;

namespace Podvisor.Commands;

/// <summary>The API's exec/port-forward seam on the process runtime (the kubelet's streaming runtime, CRI Exec/PortForward).</summary>
internal sealed class ProcessPodExec(ProcessRuntime runtime) : IPodExec
{
    public string? FindRunningContainer(string podUid, string containerName) =>
        runtime.GetPodStatus(podUid).InstancesOf(containerName).FirstOrDefault(c => c.State == RuntimeContainerState.Running)?.Id;

    public async Task<int> ExecAsync(string containerId, IReadOnlyList<string> command, PodExecStreams streams, CancellationToken ct)
    {
        try
        {
            return await runtime.ExecAsync(containerId, command, new ExecStreams
            {
                Stdin = streams.Stdin,
                Stdout = streams.Stdout,
                Stderr = streams.Stderr,
                Tty = streams.Tty,
                Resize = streams.Resize?.ReadAllAsync(ct).Select(s => new Runtime.Process.TerminalSize(s.Width, s.Height)),
            }, ct);
        }
        catch (Exception e) when (e is ContainerStartException or IOException)
        {
            throw new PodExecException(e.Message, e);
        }
    }

    public async Task<Stream> PortForwardAsync(string podUid, ushort port, CancellationToken ct)
    {
        try
        {
            return await runtime.PortForwardAsync(podUid, port, ct);
        }
        catch (IOException e)
        {
            throw new PodExecException(e.Message, e);
        }
    }
}
