using System.Buffers.Binary;
using System.Text;

namespace Podvisor.Agent.Probes;

/// <summary>
/// Hand-encoded gRPC framing and protobuf for grpc.health.v1.Health/Check: a 5-byte message prefix (compressed flag,
/// big-endian length), <c>HealthCheckRequest{string service = 1}</c> and <c>HealthCheckResponse{ServingStatus status = 1}</c>.
/// </summary>
public static class GrpcHealthCodec
{
    public const string CheckPath = "/grpc.health.v1.Health/Check";
    public const int Serving = 1;

    /// <summary>A framed HealthCheckRequest; an empty service is the proto3 default and is omitted.</summary>
    public static byte[] EncodeCheckRequest(string service)
    {
        var name = Encoding.UTF8.GetBytes(service);
        var message = new List<byte>();
        if (name.Length > 0)
        {
            message.Add(0x0A); // field 1, wire type 2 (length-delimited)
            WriteVarint(message, (ulong)name.Length);
            message.AddRange(name);
        }

        return Frame(message);
    }

    /// <summary>Reads the first framed HealthCheckResponse; a missing status field is UNKNOWN (0).</summary>
    public static bool TryDecodeCheckResponse(ReadOnlySpan<byte> body, out int status)
    {
        status = 0;
        if (!TryUnframe(body, out var message))
        {
            return false;
        }

        while (!message.IsEmpty)
        {
            if (!TryReadVarint(ref message, out var tag))
            {
                return false;
            }

            if (tag == 0x08 && TryReadVarint(ref message, out var value))
            {
                status = (int)value;
            }
            else if (!TrySkip(ref message, (int)(tag & 7)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Go's String() of grpc_health_v1.HealthCheckResponse_ServingStatus (an unknown value prints as its number).</summary>
    public static string StatusName(int status) => status switch
    {
        0 => "UNKNOWN",
        1 => "SERVING",
        2 => "NOT_SERVING",
        3 => "SERVICE_UNKNOWN",
        _ => status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Go's String() of codes.Code.</summary>
    public static string CodeName(int code) => code switch
    {
        0 => "OK",
        1 => "Canceled",
        2 => "Unknown",
        3 => "InvalidArgument",
        4 => "DeadlineExceeded",
        5 => "NotFound",
        6 => "AlreadyExists",
        7 => "PermissionDenied",
        8 => "ResourceExhausted",
        9 => "FailedPrecondition",
        10 => "Aborted",
        11 => "OutOfRange",
        12 => "Unimplemented",
        13 => "Internal",
        14 => "Unavailable",
        15 => "DataLoss",
        16 => "Unauthenticated",
        _ => $"Code({code})",
    };

    private static byte[] Frame(List<byte> message)
    {
        var frame = new byte[5 + message.Count];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Count);
        message.CopyTo(frame, 5);
        return frame;
    }

    private static bool TryUnframe(ReadOnlySpan<byte> body, out ReadOnlySpan<byte> message)
    {
        message = default;
        if (body.Length < 5 || body[0] != 0)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(body[1..]);
        if (length > (uint)(body.Length - 5))
        {
            return false;
        }

        message = body.Slice(5, (int)length);
        return true;
    }

    private static void WriteVarint(List<byte> output, ulong value)
    {
        while (value >= 0x80)
        {
            output.Add((byte)(value | 0x80));
            value >>= 7;
        }

        output.Add((byte)value);
    }

    private static bool TryReadVarint(ref ReadOnlySpan<byte> input, out ulong value)
    {
        value = 0;
        for (var i = 0; i < 10 && i < input.Length; i++)
        {
            value |= (ulong)(input[i] & 0x7F) << (7 * i);
            if (input[i] < 0x80)
            {
                input = input[(i + 1)..];
                return true;
            }
        }

        return false;
    }

    /// <summary>Skips one field value of the given wire type (varint, 64-bit, length-delimited, 32-bit).</summary>
    private static bool TrySkip(ref ReadOnlySpan<byte> input, int wireType)
    {
        switch (wireType)
        {
            case 0:
                return TryReadVarint(ref input, out _);
            case 1 or 5:
                var size = wireType == 1 ? 8 : 4;
                if (input.Length < size)
                {
                    return false;
                }

                input = input[size..];
                return true;
            case 2:
                if (!TryReadVarint(ref input, out var length) || length > (ulong)input.Length)
                {
                    return false;
                }

                input = input[(int)length..];
                return true;
            default:
                return false;
        }
    }
}
