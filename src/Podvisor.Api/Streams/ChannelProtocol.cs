using System.Buffers;
using System.Text;
using System.Text.Json;
using Podvisor.Node.Abstractions;

namespace Podvisor.Api.Streams;

/// <summary>
/// The channel framing of Kubernetes streaming WebSockets (apimachinery <c>util/httpstream/wsstream</c>,
/// <c>util/remotecommand/constants.go</c>): every binary message is one channel byte followed by that channel's data.
/// exec/attach use channels 0 stdin, 1 stdout, 2 stderr, 3 error (a metav1.Status), 4 resize (JSON
/// <c>{"Width":W,"Height":H}</c>); <c>v5.channel.k8s.io</c> adds the message <c>[255, N]</c>: the sender closed channel
/// N (kubectl closes stdin so that e.g. <c>tar</c> sees end of file). Port-forward uses channels 2i (data) and 2i+1
/// (error) for the i-th requested port, each starting with the port as 2 bytes little-endian.
/// </summary>
internal static class ChannelProtocol
{
    public const string V5 = "v5.channel.k8s.io";
    public const string V4 = "v4.channel.k8s.io";

    public const byte Stdin = 0, Stdout = 1, Stderr = 2, Error = 3, Resize = 4;

    /// <summary>remotecommand.StreamClose: the v5 message that closes one channel.</summary>
    public const byte Close = 255;

    /// <summary>The exec/attach protocols served, best first.</summary>
    public static readonly string[] ExecProtocols = [V5, V4];

    /// <summary>Port-forward over WebSocket: kubelet's portforward/websocket.go serves v4 (and the unnamed v1 form).</summary>
    public static readonly string[] PortForwardProtocols = [V4];

    /// <summary>
    /// As wsstream's protocol negotiation: the first protocol the client offers that the server serves; "" when the
    /// client offers none (the legacy unnamed channel protocol); null when it offers only protocols not served here.
    /// </summary>
    public static string? Negotiate(IEnumerable<string> offered, IReadOnlyList<string> served)
    {
        var names = offered.SelectMany(p => p.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        return names.Count == 0 ? "" : names.FirstOrDefault(served.Contains);
    }

    /// <summary>One message: the channel byte, an optional prefix (a port) and the data.</summary>
    public static byte[] Frame(byte channel, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> data)
    {
        var frame = new byte[1 + prefix.Length + data.Length];
        frame[0] = channel;
        prefix.CopyTo(frame.AsSpan(1));
        data.CopyTo(frame.AsSpan(1 + prefix.Length));
        return frame;
    }

    /// <summary>The 2-byte little-endian port that starts each port-forward channel.</summary>
    public static byte[] PortPrefix(ushort port) => [(byte)(port & 0xff), (byte)(port >> 8)];

    /// <summary>The terminal sizes in one resize message (kubectl's json.Encoder writes one object per line).</summary>
    public static List<TerminalSize> ParseResize(ReadOnlySpan<byte> data)
    {
        var sizes = new List<TerminalSize>();
        var reader = new Utf8JsonReader(data, new JsonReaderOptions { AllowMultipleValues = true });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    sizes.Add(ReadSize(ref reader));
                }
            }
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            // A malformed resize is ignored, as the kubelet's handleResizing stops reading on a decode error.
        }

        return sizes;
    }

    /// <summary>metav1.Status <c>Success</c>: the command exited 0.</summary>
    public static byte[] SuccessStatus() => Status("Success", null, null, null, null);

    /// <summary>
    /// The Status the apiserver's stream translator writes for a non-zero exit (codeExitToStatusError): reason
    /// NonZeroExitCode and a cause ExitCode whose message is the code, which kubectl turns into its own exit code.
    /// </summary>
    public static byte[] ExitCodeStatus(int exitCode) =>
        Status("Failure", $"command terminated with non-zero exit code: command terminated with exit code {exitCode}", "NonZeroExitCode", null,
            ("ExitCode", exitCode.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>apierrors.NewInternalError: code 500, "Internal error occurred: MESSAGE", the message as the one cause.</summary>
    public static byte[] InternalErrorStatus(string message) =>
        Status("Failure", "Internal error occurred: " + message, "InternalError", 500, (null, message));

    private static byte[] Status(string status, string? message, string? reason, int? code, (string? Type, string Message)? cause)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", "Status");
            writer.WriteString("apiVersion", "v1");
            writer.WriteStartObject("metadata");
            writer.WriteEndObject();
            writer.WriteString("status", status);
            if (message is not null)
            {
                writer.WriteString("message", message);
            }

            if (reason is not null)
            {
                writer.WriteString("reason", reason);
            }

            if (cause is { } c)
            {
                writer.WriteStartObject("details");
                writer.WriteStartArray("causes");
                writer.WriteStartObject();
                if (c.Type is not null)
                {
                    writer.WriteString("reason", c.Type);
                }

                writer.WriteString("message", c.Message);
                writer.WriteEndObject();
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            if (code is not null)
            {
                writer.WriteNumber("code", code.Value);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Text for the port-forward error channel (kubelet portforward/websocket.go).</summary>
    public static byte[] PortForwardError(ushort port, string podUid, string message) =>
        Encoding.UTF8.GetBytes($"error forwarding port {port} to pod {podUid}, uid : {message}");

    /// <summary>remotecommand.TerminalSize: <c>Width</c> and <c>Height</c> (Go's decoder matches names case-insensitively).</summary>
    private static TerminalSize ReadSize(ref Utf8JsonReader reader)
    {
        ushort width = 0, height = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            if (string.Equals(name, "Width", StringComparison.OrdinalIgnoreCase))
            {
                width = reader.GetUInt16();
            }
            else if (string.Equals(name, "Height", StringComparison.OrdinalIgnoreCase))
            {
                height = reader.GetUInt16();
            }
            else
            {
                reader.Skip();
            }
        }

        return new TerminalSize(width, height);
    }
}
