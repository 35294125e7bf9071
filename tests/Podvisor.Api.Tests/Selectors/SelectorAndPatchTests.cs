using System.Text.Json.Nodes;
using k8s.Models;
using Podvisor.Api.Logs;
using Podvisor.Api.Patching;
using Podvisor.Api.Selectors;
using Podvisor.Api.Store;
using Podvisor.Core.Logs;

namespace Podvisor.Api.Tests.Selectors;

/// <summary>Label/field selectors, the three patch types and CRI log handling.</summary>
public sealed class SelectorAndPatchTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "web", ["tier"] = "front", ["n"] = "5" };

    [Theory]
    [InlineData("", true)]
    [InlineData("app=web", true)]
    [InlineData("app==web", true)]
    [InlineData("app!=web", false)]
    [InlineData("app=db", false)]
    [InlineData("app in (db, web)", true)]
    [InlineData("app in (db)", false)]
    [InlineData("app notin (db)", true)]
    [InlineData("app notin (web)", false)]
    [InlineData("missing notin (web)", true)]
    [InlineData("tier", true)]
    [InlineData("missing", false)]
    [InlineData("!missing", true)]
    [InlineData("!tier", false)]
    [InlineData("app=web,tier=front", true)]
    [InlineData("app=web,tier=back", false)]
    [InlineData("app in (web),!missing,tier", true)]
    [InlineData("n>4", true)]
    [InlineData("n<5", false)]
    public void LabelSelectorsMatchLikeApimachinery(string selector, bool expected)
    {
        var (parsed, error) = LabelSelector.Parse(selector);
        Assert.Null(error);
        Assert.Equal(expected, parsed!.Matches(Labels));
    }

    [Theory]
    [InlineData("app in (web")]
    [InlineData("app foo (web)")]
    [InlineData("=web")]
    [InlineData("n>x")]
    public void MalformedLabelSelectorsAreErrors(string selector) => Assert.NotNull(LabelSelector.Parse(selector).Error);

    [Fact]
    public void FieldSelectorsHandleEqualityInequalityAndEscapes()
    {
        var (selector, _) = FieldSelector.Parse("metadata.name=a\\,b,status.phase!=Failed");
        Assert.True(selector!.Matches(Pod("a,b", "Running"), ResourceKind.Pods.Field));
        Assert.False(selector.Matches(Pod("a,b", "Failed"), ResourceKind.Pods.Field));
        Assert.False(selector.Matches(Pod("a", "Running"), ResourceKind.Pods.Field));
        Assert.NotNull(FieldSelector.Parse("nonsense").Error);
    }

    [Fact]
    public void StrategicMergeMergesContainersByNameAndHonoursDirectives()
    {
        var target = JsonNode.Parse("""{"metadata":{"labels":{"a":"1","b":"2"},"finalizers":["x"]},"spec":{"containers":[{"name":"a","image":"1","env":[{"name":"E","value":"1"}]},{"name":"b","image":"1"}]}}""");
        var patch = JsonNode.Parse("""
            {"metadata":{"labels":{"b":null,"c":"3"},"finalizers":["y"]},
             "spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}],
                     "containers":[{"name":"a","image":"2","env":[{"name":"F","value":"2"}]},{"name":"c","image":"9"},{"name":"b","$patch":"delete"}]}}
            """);
        var result = StrategicMergePatch.Apply(target, patch)!;
        Assert.Equal("""{"a":"1","c":"3"}""", result["metadata"]!["labels"]!.ToJsonString());
        Assert.Equal("""["x","y"]""", result["metadata"]!["finalizers"]!.ToJsonString());
        Assert.Equal(["a", "c"], result["spec"]!["containers"]!.AsArray().Select(c => (string)c!["name"]!));
        Assert.Equal("2", (string)result["spec"]!["containers"]![0]!["image"]!);
        Assert.Equal(["E", "F"], result["spec"]!["containers"]![0]!["env"]!.AsArray().Select(e => (string)e!["name"]!));
        var replaced = StrategicMergePatch.Apply(target, JsonNode.Parse("""{"metadata":{"labels":{"$patch":"replace","z":"1"}}}"""))!;
        Assert.Equal("""{"z":"1"}""", replaced["metadata"]!["labels"]!.ToJsonString());
    }

    [Fact]
    public void JsonMergePatchReplacesListsAndDeletesNulls()
    {
        var result = JsonMergePatch.Apply(JsonNode.Parse("""{"a":{"b":1,"c":2},"l":[1,2]}"""), JsonNode.Parse("""{"a":{"b":null,"d":3},"l":[3]}"""));
        Assert.Equal("""{"a":{"c":2,"d":3},"l":[3]}""", result!.ToJsonString());
    }

    [Fact]
    public void JsonPatchAppliesOperationsInOrderAndReportsTheFailingOne()
    {
        var ops = JsonNode.Parse("""[{"op":"add","path":"/l/-","value":3},{"op":"replace","path":"/a/b","value":9},{"op":"remove","path":"/l/0"},{"op":"copy","from":"/a/b","path":"/c"},{"op":"test","path":"/c","value":9}]""")!.AsArray();
        var (result, error) = JsonPatch.Apply(JsonNode.Parse("""{"a":{"b":1},"l":[1,2]}""")!, ops);
        Assert.Null(error);
        Assert.Equal("""{"a":{"b":9},"l":[2,3],"c":9}""", result!.ToJsonString());
        Assert.NotNull(JsonPatch.Apply(JsonNode.Parse("{}")!, JsonNode.Parse("""[{"op":"remove","path":"/x"}]""")!.AsArray()).Error);
        Assert.NotNull(JsonPatch.Apply(JsonNode.Parse("{}")!, JsonNode.Parse("""[{"op":"test","path":"/x","value":1}]""")!.AsArray()).Error);
    }

    [Theory]
    [InlineData(-1, "a|b c|d|")]
    [InlineData(0, "")]
    [InlineData(1, "d|")]
    [InlineData(2, "b c|d|")]
    [InlineData(5, "a|b c|d|")]
    public void CriLinesJoinPartialsAndTailCountsWholeLines(long tail, string expected)
    {
        var lines = new[]
        {
            "2026-01-01T00:00:00.100000000Z stdout F a",
            "2026-01-01T00:00:00.200000000Z stdout P b ",
            "2026-01-01T00:00:00.300000000Z stderr F c",
            "2026-01-01T00:00:00.400000000Z stdout F d",
        }.Select(l => CriLog.TryParse(l, out var e) ? e : throw new FormatException(l)).ToList();
        var formatter = new LogFormatter(new LogOptions("", false, false, tail, null, false, null));
        var text = string.Concat(LogFormatter.Tail(lines, tail).Select(l => System.Text.Encoding.UTF8.GetString(formatter.Format(l))));
        Assert.Equal(expected, text.Replace('\n', '|'));
    }

    [Fact]
    public void CriTimestampsSinceAndLimit()
    {
        var lines = new[] { "2026-01-01T00:00:01.500000000Z stdout P x", "2026-01-01T00:00:01.600000000Z stdout F y", "2026-01-01T00:00:03.000000000Z stdout F z" }
            .Select(l => CriLog.TryParse(l, out var e) ? e : throw new FormatException(l)).ToList();
        var timestamps = new LogFormatter(new LogOptions("", false, false, null, null, true, null));
        Assert.Equal("2026-01-01T00:00:01.5Z xy\n2026-01-01T00:00:03Z z\n", string.Concat(lines.Select(l => System.Text.Encoding.UTF8.GetString(timestamps.Format(l)))));
        var since = new LogFormatter(new LogOptions("", false, false, null, new DateTimeOffset(2026, 1, 1, 0, 0, 2, TimeSpan.Zero), false, 1));
        Assert.Equal("z", string.Concat(lines.Select(l => System.Text.Encoding.UTF8.GetString(since.Format(l)))));
        Assert.False(CriLog.TryParse("garbage", out _));
    }

    private static V1Pod Pod(string name, string phase) => new() { Metadata = new V1ObjectMeta { Name = name }, Status = new V1PodStatus { Phase = phase } };
}
