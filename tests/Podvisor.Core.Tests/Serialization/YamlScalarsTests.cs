using k8s.Models;
using Podvisor.Core.Serialization;

namespace Podvisor.Core.Tests.Serialization;

public class YamlScalarsTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("42", 42L)]
    [InlineData("-7", -7L)]
    [InlineData("+7", 7L)]
    [InlineData("0644", 420L)]
    [InlineData("0o17", 15L)]
    [InlineData("0x1F", 31L)]
    [InlineData("0b101", 5L)]
    [InlineData("1_000", 1000L)]
    [InlineData("2147483648", 2147483648L)]
    [InlineData("abc", null)]
    [InlineData("1.5", null)]
    [InlineData("09", null)]
    [InlineData("", null)]
    [InlineData("--1", null)]
    [InlineData("99999999999999999999", null)]
    public void Yaml11Integers(string text, long? expected) => Assert.Equal(expected, YamlScalars.ParseInt(text));

    [Theory]
    [InlineData("true", true)]
    [InlineData("Yes", true)]
    [InlineData("ON", true)]
    [InlineData("y", true)]
    [InlineData("false", false)]
    [InlineData("no", false)]
    [InlineData("Off", false)]
    [InlineData("maybe", null)]
    [InlineData("1", null)]
    public void Yaml11Booleans(string text, bool? expected) => Assert.Equal(expected, YamlScalars.ParseBool(text));
}

public class YamlLimitsTests
{
    [Fact]
    public void DeepNestingIsAnErrorNotACrash()
    {
        var deep = "a: " + new string('[', 100_000) + new string(']', 100_000) + "\n";
        var result = ManifestReader.Read(deep, "deep.yaml");
        Assert.Contains("nesting deeper than 256 levels", Assert.Single(result.Errors).Message);
    }

    [Fact]
    public void AliasBombsAreRejected()
    {
        var lines = new List<string> { "a0: &a0 [x, x, x, x, x, x, x, x, x, x]" };
        for (var i = 1; i < 10; i++)
        {
            lines.Add($"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]");
        }

        var result = ManifestReader.Read(string.Join("\n", lines) + "\n", "bomb.yaml");
        Assert.Contains("values after expanding aliases", Assert.Single(result.Errors).Message);
    }

    [Fact]
    public void DeepJsonIsAnErrorNotACrash()
    {
        var deep = new string('[', 10_000) + new string(']', 10_000);
        Assert.NotEmpty(StrictDecoder.Decode<V1Pod>(deep, "Pod").Errors);
        Assert.False(ManifestReader.Read(deep, "deep.json").IsValid);
    }
}
