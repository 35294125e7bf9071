using System.Globalization;
using System.Net.Sockets;
using System.Text;
using k8s.Models;

namespace Podvisor.Agent.Probes;

/// <summary>
/// Renders values the way the kubelet's Go code prints them, so probe and hook messages match upstream byte for byte:
/// <c>%q</c> strings, <c>%v</c> string slices, <c>time.Duration</c>, <c>format.Pod</c> and Go's dial errors.
/// </summary>
internal static class GoText
{
    /// <summary>Mirrors Go's <c>%v</c> of a <c>[]string</c>: <c>[sh -c exit 1]</c>.</summary>
    public static string Slice(IEnumerable<string>? items) => "[" + string.Join(' ', items ?? []) + "]";

    /// <summary>Mirrors net.JoinHostPort: IPv6 literals are bracketed.</summary>
    public static string JoinHostPort(string host, int port) =>
        host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";

    /// <summary>Mirrors the text of a Go <c>*net.OpError</c> from <c>net.Dial("tcp", addr)</c>.</summary>
    public static string DialError(string address, Exception error) => error switch
    {
        SocketException { SocketErrorCode: SocketError.TimedOut } or OperationCanceledException => $"dial tcp {address}: i/o timeout",
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData } =>
            $"dial tcp: lookup {HostOf(address)}: no such host",
        SocketException s => $"dial tcp {address}: connect: {Errno(s.SocketErrorCode, s.Message)}",
        _ => $"dial tcp {address}: {error.Message}",
    };

    /// <summary>The Linux errno text Go prints for a socket error.</summary>
    private static string Errno(SocketError code, string fallback) => code switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.HostUnreachable => "no route to host",
        SocketError.NetworkUnreachable => "network is unreachable",
        SocketError.ConnectionReset => "connection reset by peer",
        SocketError.AddressNotAvailable => "cannot assign requested address",
        SocketError.AccessDenied => "permission denied",
        _ => fallback.ToLowerInvariant(),
    };

    private static string HostOf(string address)
    {
        var colon = address.LastIndexOf(':');
        return (colon > 0 ? address[..colon] : address).Trim('[', ']');
    }
}
