using k8s.Models;
using Podvisor.Core.Serialization;

namespace Podvisor.Core.Tests.Serialization;

public class StrictDecoderTests
{
    private const string Valid = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\"}]}}";

    [Fact]
    public void ValidBodyDecodes()
    {
        var result = Decode(Valid);
        Assert.Empty(result.Errors);
        Assert.Equal("p", result.Value!.Metadata.Name);
        Assert.Equal("", result.Message);
    }

    [Fact]
    public void UnknownFieldsGiveTheApiserverMessage()
    {
        var body = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"x\":1,\"containers\":[{\"name\":\"a\",\"image\":\"i\"}],\"y\":{}}}";
        var result = Decode(body);
        Assert.True(result.IsStrictError);
        Assert.Equal("strict decoding error: unknown field \"spec.x\", unknown field \"spec.y\"", result.Message);
        Assert.Equal("Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown field \"spec.x\", unknown field \"spec.y\"", result.ToBadRequestMessage());
        Assert.NotNull(result.Value);
        Assert.Equal("a", result.Value!.Spec.Containers[0].Name);
    }

    [Fact]
    public void NestedUnknownAndDuplicateFields()
    {
        var body = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"name\":\"q\"},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\",\"restartPolicy\":\"Never\",\"restartPolicyRules\":[{\"action\":\"Restart\",\"onExit\":{\"exitCodes\":{\"operator\":\"In\",\"values\":[1]}}}]}]}}";
        var result = Decode(body);
        Assert.Equal(
            "strict decoding error: duplicate field \"metadata.name\", unknown field \"spec.containers[0].restartPolicyRules[0].onExit\" (the v1.35 announcement's onExit key does not exist; use exitCodes directly under the rule)",
            result.Message);
        Assert.Equal("q", result.Value!.Metadata.Name);
    }

    [Fact]
    public void JsonNumberForAStringFieldIsATypeError()
    {
        var body = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\",\"env\":[{\"name\":\"N\",\"value\":42}]}]}}";
        var result = Decode(body);
        Assert.False(result.IsStrictError);
        Assert.Null(result.Value);
        Assert.Equal("invalid value for \"spec.containers[0].env[0].value\": expected a string, got number 42", result.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("{\"spec\": []}")]
    public void GarbageIsRejectedWithoutThrowing(string body)
    {
        var result = Decode(body);
        Assert.Null(result.Value);
        Assert.NotEmpty(result.Errors);
        Assert.False(result.IsStrictError);
        Assert.NotEmpty(result.Message);
    }

    private static StrictDecodeResult<V1Pod> Decode(string body) => StrictDecoder.Decode<V1Pod>(body, "Pod");
}
