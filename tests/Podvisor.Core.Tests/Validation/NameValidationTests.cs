using Podvisor.Core.Model;
using CsCheck;
using System.Text.RegularExpressions;
using Podvisor.Core.Validation;

namespace Podvisor.Core.Tests.Validation;

public class NameValidationTests
{
    [Theory]
    [InlineData("a", true)]
    [InlineData("abc-123", true)]
    [InlineData("0", true)]
    [InlineData("123-abc", true)]
    [InlineData("-a", false)]
    [InlineData("a-", false)]
    [InlineData("A", false)]
    [InlineData("a_b", false)]
    [InlineData("a.b", false)]
    [InlineData("", false)]
    [InlineData("a\n", false)]
    [InlineData("é", false)]
    public void IsDns1123Label_AcceptsOnlyRfc1123Labels(string value, bool valid) => Assert.Equal(valid, NameValidation.IsDns1123Label(value).Count == 0);

    [Theory]
    [InlineData("a.b.c", true)]
    [InlineData("example.com", true)]
    [InlineData("a..b", false)]
    [InlineData(".a", false)]
    [InlineData("a.", false)]
    [InlineData("A.b", false)]
    public void IsDns1123Subdomain_AcceptsOnlyRfc1123Subdomains(string value, bool valid) => Assert.Equal(valid, NameValidation.IsDns1123Subdomain(value).Count == 0);

    [Fact]
    public void LabelLengthLimits()
    {
        Assert.Empty(NameValidation.IsDns1123Label(new string('a', 63)));
        Assert.Equal(["must be no more than 63 characters"], NameValidation.IsDns1123Label(new string('a', 64)));
        Assert.Empty(NameValidation.IsDns1123Subdomain(string.Join('.', Enumerable.Repeat(new string('a', 63), 4))[..253]));
    }

    [Fact]
    public void DottedLabelSaysNoDots() => Assert.Equal(["must not contain dots"], NameValidation.IsDns1123Label("a.b"));

    [Theory]
    [InlineData("app", true)]
    [InlineData("example.com/app", true)]
    [InlineData("App_Name.1", true)]
    [InlineData("a/b/c", false)]
    [InlineData("/a", false)]
    [InlineData("Example.com/a", false)]
    [InlineData("", false)]
    public void QualifiedNames(string value, bool valid) => Assert.Equal(valid, NameValidation.IsQualifiedName(value).Count == 0);

    [Theory]
    [InlineData("", true)]
    [InlineData("v1.2_3-x", true)]
    [InlineData("-x", false)]
    [InlineData("a b", false)]
    public void LabelValues(string value, bool valid) => Assert.Equal(valid, NameValidation.IsLabelValue(value).Count == 0);

    [Theory]
    [InlineData("http", 0)]
    [InlineData("h2c-9", 0)]
    [InlineData("80", 1)]
    [InlineData("a--b", 1)]
    [InlineData("-ab", 1)]
    [InlineData("abcdefghijklmnop", 1)]
    public void PortNames(string value, int errors) => Assert.Equal(errors, NameValidation.IsValidPortName(value).Count);

    [Fact]
    public void Dns1123LabelAgreesWithTheUpstreamRegexForAnyString()
    {
        var upstream = new Regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?\\z");
        Gen.String[Gen.Char["a-zA-Z0-9.-_ "], 0, 70].Sample(s =>
            (NameValidation.IsDns1123Label(s).Count == 0) == (s.Length <= 63 && upstream.IsMatch(s)));
    }

    [Fact]
    public void GoQuoteRoundTripsThroughJsonForPrintableAscii() =>
        Gen.String[Gen.Char[' ', '~'], 0, 40].Sample(s =>
            System.Text.Json.JsonSerializer.Deserialize<string>(GoFormat.Quote(s)) == s);
}
