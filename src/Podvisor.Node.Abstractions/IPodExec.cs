using System.Threading.Channels;

namespace Podvisor.Node.Abstractions;

/// <summary>
/// The node side of <c>exec</c> and <c>portforward</c> (the kubelet's streaming runtime), owned by the API that
/// consumes it. Implementations must be thread-safe.
/// </summary>
public interface IPodExec
{
    /// <summary>The runtime ID of the running container <paramref name="containerName"/> of the pod, or null (kubelet findContainer).</summary>
    string? FindRunningContainer(string podUid, string containerName);

    /// <summary>
    /// Runs <paramref name="command"/> (argv) in the container's namespaces as the container's user, with its env and
    /// workingDir, copying <paramref name="streams"/>; returns the exit code (128+N for signal N) once its output is
    /// copied. Cancelling <paramref name="ct"/> kills the command. Throws <see cref="PodExecException"/> when the command
    /// cannot be started (e.g. <c>exec: "foo": executable file not found in $PATH</c>).
    /// </summary>
    Task<int> ExecAsync(string containerId, IReadOnlyList<string> command, PodExecStreams streams, CancellationToken ct);

    /// <summary>
    /// A TCP connection to 127.0.0.1:<paramref name="port"/> in the pod's network namespace. Throws
    /// <see cref="PodExecException"/> when nothing listens there or the pod has no running sandbox.
    /// </summary>
    Task<Stream> PortForwardAsync(string podUid, ushort port, CancellationToken ct);
}

/// <summary>The client's streams of one exec; null where the client did not ask for one. With a tty stderr is unused.</summary>
public sealed record PodExecStreams(Stream? Stdin, Stream? Stdout, Stream? Stderr, bool Tty, ChannelReader<TerminalSize>? Resize);

/// <summary>A terminal size in characters, as the resize channel sends it (<c>{"Width":80,"Height":24}</c>).</summary>
public readonly record struct TerminalSize(ushort Width, ushort Height);

/// <summary>The command could not be started, or the port could not be reached; the message is the runtime's.</summary>
public sealed class PodExecException(string message, Exception? inner = null) : Exception(message, inner);
