using System.Text;
using System.Text.Json.Nodes;
using Podvisor.Api.Http;

namespace Podvisor.Api.Tests.Http;

/// <summary>
/// The protobuf bodies kubectl sends (create configmap/secret/token/namespace, auth can-i): decoded to the JSON the
/// rest of the API reads; anything malformed (fuzzed, truncated) is a 4xx value, never an exception.
/// </summary>
public sealed class ProtobufBodyTests
{
    private const string ContentType = "application/vnd.kubernetes.protobuf";

    [Fact]
    public void AConfigMapDecodesWithMetadataDataAndBinaryData()
    {
        var body = Envelope("v1", "ConfigMap", Concat(
            Message(1, Concat(Str(1, "settings"), Str(2, ""), Str(3, "default"), Message(11, Concat(Str(1, "app"), Str(2, "web"))))),
            Message(2, Concat(Str(1, "mode"), Str(2, "fast"))),
            Message(2, Concat(Str(1, "level"), Str(2, "3"))),
            Message(3, Concat(Str(1, "blob"), Bytes(2, [0, 1, 2]))),
            Varint(4, 1)));

        var (node, error) = ProtobufBody.Decode(body, ContentType);

        Assert.Null(error);
        Assert.Equal(
            """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings","namespace":"default","labels":{"app":"web"}},"data":{"mode":"fast","level":"3"},"binaryData":{"blob":"AAEC"},"immutable":true}""",
            node!.ToJsonString());
    }

    [Fact]
    public void ASecretDecodesDataAsBase64StringDataAndType()
    {
        var body = Envelope("v1", "Secret", Concat(
            Message(1, Str(1, "creds")),
            Message(2, Concat(Str(1, "user"), Str(2, "admin"))),
            Str(3, "Opaque"),
            Message(4, Concat(Str(1, "pw"), Str(2, "p@ss")))));

        var (node, _) = ProtobufBody.Decode(body, ContentType);

        Assert.Equal(
            """{"apiVersion":"v1","kind":"Secret","metadata":{"name":"creds"},"data":{"user":"YWRtaW4="},"type":"Opaque","stringData":{"pw":"p@ss"}}""",
            node!.ToJsonString());
    }

    [Fact]
    public void ATokenRequestDecodesAudiencesExpirationAndBoundObject()
    {
        var body = Envelope("authentication.k8s.io/v1", "TokenRequest", Concat(
            Message(1, Str(1, "")),
            Message(2, Concat(Str(1, "api"), Str(1, "vault"), Message(3, Concat(Str(1, "Pod"), Str(2, "v1"), Str(3, "web"), Str(4, "u-1"))), Varint(4, 1200)))));

        var (node, _) = ProtobufBody.Decode(body, ContentType);

        Assert.Equal(
            """{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","metadata":{},"spec":{"audiences":["api","vault"],"boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"web","uid":"u-1"},"expirationSeconds":1200}}""",
            node!.ToJsonString());
    }

    [Fact]
    public void ASelfSubjectAccessReviewDecodesItsResourceOrNonResourceAttributes()
    {
        var resource = Envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", Message(2, Message(1, Concat(Str(1, "kube-system"), Str(2, "list"), Str(3, ""), Str(5, "pods")))));
        var path = Envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", Message(2, Message(2, Concat(Str(1, "/metrics"), Str(2, "get")))));

        Assert.Equal("""{"resourceAttributes":{"namespace":"kube-system","verb":"list","resource":"pods"}}""", ProtobufBody.Decode(resource, ContentType).Node!["spec"]!.ToJsonString());
        Assert.Equal("""{"nonResourceAttributes":{"path":"/metrics","verb":"get"}}""", ProtobufBody.Decode(path, ContentType).Node!["spec"]!.ToJsonString());
    }

    [Fact]
    public void OtherKindsAre415OrWhereAllowedTheirEnvelopeAndABodyWithoutTheMagicIs400()
    {
        Assert.Equal(415, ProtobufBody.Decode(Envelope("v1", "Pod", []), ContentType).Error!.Code);
        Assert.Equal(
            """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team","labels":{"a":"b"}}}""",
            ProtobufBody.Decode(Envelope("v1", "Namespace", Message(1, Concat(Str(1, "team"), Message(11, Concat(Str(1, "a"), Str(2, "b")))))), ContentType, envelopeOfOtherKinds: true).Node!.ToJsonString());
        Assert.Equal(400, ProtobufBody.Decode("{}"u8.ToArray(), ContentType).Error!.Code);
    }

    [Fact]
    public void TruncatedAndFuzzedBodiesAreErrorsOrObjectsNeverExceptions()
    {
        var valid = Envelope("v1", "ConfigMap", Concat(Message(1, Str(1, "x")), Message(2, Concat(Str(1, "k"), Str(2, "v")))));
        for (var length = 0; length < valid.Length; length++)
        {
            var (node, error) = ProtobufBody.Decode(valid.AsMemory(0, length), ContentType);
            Assert.True(node is not null || error is { Code: 400 or 415 }, $"prefix of {length} bytes");
        }

        var random = new Random(12);
        for (var i = 0; i < 20_000; i++)
        {
            var mutated = (byte[])valid.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                mutated[random.Next(4, mutated.Length)] = (byte)random.Next(256);
            }

            var (node, error) = ProtobufBody.Decode(mutated, ContentType);
            Assert.True(node is not null || error is { Code: 400 or 415 }, Convert.ToHexString(mutated));
        }
    }

    private static byte[] Envelope(string apiVersion, string kind, byte[] raw) =>
        Concat("k8s\0"u8.ToArray(), Message(1, Concat(Str(1, apiVersion), Str(2, kind))), Bytes(2, raw));

    private static byte[] Str(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    private static byte[] Message(int field, byte[] value) => Bytes(field, value);

    private static byte[] Bytes(int field, byte[] value) => Concat(VarintBytes((ulong)(field << 3 | 2)), VarintBytes((ulong)value.Length), value);

    private static byte[] Varint(int field, ulong value) => Concat(VarintBytes((ulong)(field << 3)), VarintBytes(value));

    private static byte[] VarintBytes(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);

        return [.. bytes];
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
