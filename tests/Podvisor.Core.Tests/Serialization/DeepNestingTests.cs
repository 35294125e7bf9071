using Podvisor.Core.Serialization;

namespace Podvisor.Core.Tests.Serialization;

/// <summary>10,000-deep block and flow YAML, and JSON, give a clean error from the manifest decoder, never a stack overflow.</summary>
public class DeepNestingTests
{
    public static TheoryData<string> Deep => new(
        string.Concat(Enumerable.Range(0, 10_000).Select(d => new string(' ', d) + "- \n")),
        string.Concat(Enumerable.Range(0, 10_000).Select(d => new string(' ', d) + "a:\n")),
        "a: " + string.Concat(Enumerable.Repeat("{b: ", 10_000)) + "1" + new string('}', 10_000) + "\n",
        new string('[', 10_000) + new string(']', 10_000));

    [Theory]
    [MemberData(nameof(Deep))]
    public void DeepDocumentsAreAnError(string text)
    {
        var result = ManifestReader.Read(text, "deep.yaml");
        Assert.False(result.IsValid);
        Assert.Empty(result.Pods);
    }
}
