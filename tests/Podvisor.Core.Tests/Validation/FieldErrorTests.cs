using Podvisor.Core.Model;
using Podvisor.Core.Validation;

namespace Podvisor.Core.Tests.Validation;

public class FieldErrorTests
{
    private static readonly FieldPath P = FieldPath.Root("spec", "containers").Index(0).Child("name");

    public static TheoryData<FieldError, string> Renderings => new()
    {
        { FieldError.Required(P), "spec.containers[0].name: Required value" },
        { FieldError.Required(P, "must be set"), "spec.containers[0].name: Required value: must be set" },
        { FieldError.Forbidden(P, "nope"), "spec.containers[0].name: Forbidden: nope" },
        { FieldError.Invalid(P, "x y", "bad"), "spec.containers[0].name: Invalid value: \"x y\": bad" },
        { FieldError.Invalid(P, 5, "bad"), "spec.containers[0].name: Invalid value: 5: bad" },
        { FieldError.Invalid(P, -5L, "bad"), "spec.containers[0].name: Invalid value: -5: bad" },
        { FieldError.Invalid(P, true, "bad"), "spec.containers[0].name: Invalid value: true: bad" },
        { FieldError.Invalid(P, null, "bad"), "spec.containers[0].name: Invalid value: null: bad" },
        { FieldError.Invalid(P, new List<string> { "a", "b" }, "bad"), "spec.containers[0].name: Invalid value: [\"a\",\"b\"]: bad" },
        { FieldError.NotFound(P, "vol"), "spec.containers[0].name: Not found: \"vol\"" },
        { FieldError.Duplicate(P, "app"), "spec.containers[0].name: Duplicate value: \"app\"" },
        { FieldError.NotSupported(P, "Foo", ["Always", "Never"]), "spec.containers[0].name: Unsupported value: \"Foo\": supported values: \"Always\", \"Never\"" },
        { FieldError.NotSupported(P, "Foo", []), "spec.containers[0].name: Unsupported value: \"Foo\"" },
        { FieldError.NotSupported(P, "", ["In", "NotIn"]), "spec.containers[0].name: Unsupported value: \"\": supported values: \"In\", \"NotIn\"" },
        { FieldError.TooLong(P, 20), "spec.containers[0].name: Too long: may not be more than 20 bytes" },
        { FieldError.TooLong(P, 1), "spec.containers[0].name: Too long: may not be more than 1 byte" },
        { FieldError.TooLong(P, -1), "spec.containers[0].name: Too long: value is too long" },
        { FieldError.TooMany(P, 21, 20), "spec.containers[0].name: Too many: 21: must have at most 20 items" },
        { FieldError.TooMany(P, 256, 255), "spec.containers[0].name: Too many: 256: must have at most 255 items" },
        { FieldError.TooMany(P, 2, 1), "spec.containers[0].name: Too many: 2: must have at most 1 item" },
        { FieldError.TooMany(P, -1, 3), "spec.containers[0].name: Too many: must have at most 3 items" },
        { FieldError.TooMany(P, 5, -1), "spec.containers[0].name: Too many: 5: has too many items" },
    };

    [Theory]
    [MemberData(nameof(Renderings))]
    public void RendersLikeApimachinery(FieldError error, string expected) => Assert.Equal(expected, error.ToString());

    [Theory]
    [InlineData(FieldErrorType.NotFound, "FieldValueNotFound")]
    [InlineData(FieldErrorType.Required, "FieldValueRequired")]
    [InlineData(FieldErrorType.Duplicate, "FieldValueDuplicate")]
    [InlineData(FieldErrorType.Invalid, "FieldValueInvalid")]
    [InlineData(FieldErrorType.NotSupported, "FieldValueNotSupported")]
    [InlineData(FieldErrorType.Forbidden, "FieldValueForbidden")]
    [InlineData(FieldErrorType.TooLong, "FieldValueTooLong")]
    [InlineData(FieldErrorType.TooMany, "FieldValueTooMany")]
    public void ReasonIsTheErrorType(FieldErrorType type, string reason) => Assert.Equal(reason, new FieldError(type, "f", "", "").Reason);

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("a\"b", "\"a\\\"b\"")]
    [InlineData("back\\slash", "\"back\\\\slash\"")]
    [InlineData("line\nbreak", "\"line\\nbreak\"")]
    [InlineData("tab\there", "\"tab\\there\"")]
    [InlineData("bell\a", "\"bell\\a\"")]
    [InlineData("nul\0", "\"nul\\x00\"")]
    [InlineData("del\u007f", "\"del\\x7f\"")]
    [InlineData("héllo", "\"héllo\"")]
    [InlineData("日本", "\"日本\"")]
    [InlineData("nbsp\u00a0", "\"nbsp\\u00a0\"")]
    [InlineData("", "\"\"")]
    public void GoQuoteMatchesStrconvQuote(string input, string expected) => Assert.Equal(expected, GoFormat.Quote(input));

    [Fact]
    public void FieldPathRendersChildrenIndexesAndKeys()
    {
        Assert.Equal("metadata.labels[app]", FieldPath.Root("metadata").Child("labels").Key("app").ToString());
        Assert.Equal("spec.containers[3].ports[0].hostPort", FieldPath.Root("spec", "containers").Index(3).Child("ports").Index(0).Child("hostPort").ToString());
        Assert.Equal("spec", FieldPath.Root("spec").ToString());
    }

    [Fact]
    public void AggregateOfNothingOneAndSeveral()
    {
        var a = FieldError.Required(FieldPath.Root("a"));
        var b = FieldError.Forbidden(FieldPath.Root("b"), "no");
        Assert.Equal("", new ErrorList().ToAggregateMessage());
        Assert.Equal("a: Required value", new ErrorList([a]).ToAggregateMessage());
        Assert.Equal("[a: Required value, b: Forbidden: no]", new ErrorList([a, b]).ToAggregateMessage());
    }

    [Fact]
    public void AggregateDropsDuplicateMessagesAndASingleUniqueMessageHasNoBrackets()
    {
        var a = FieldError.Required(FieldPath.Root("a"));
        Assert.Equal("a: Required value", new ErrorList([a, a]).ToAggregateMessage());
        var b = FieldError.Required(FieldPath.Root("b"));
        Assert.Equal("[a: Required value, b: Required value]", new ErrorList([a, b, a]).ToAggregateMessage());
    }

    [Fact]
    public void InvalidMessageIsTheKubeApiserverSentence()
    {
        var errs = new ErrorList([FieldError.Required(FieldPath.Root("spec", "containers"))]);
        Assert.Equal("The Pod \"web\" is invalid: spec.containers: Required value", errs.ToInvalidMessage("Pod", "web"));
        Assert.Equal("Pod \"web\" is invalid: spec.containers: Required value", errs.ToStatusMessage("Pod", "web"));
        errs.Add(FieldError.Invalid(FieldPath.Root("metadata", "name"), "A", "bad"));
        Assert.Equal("The Pod \"web\" is invalid: [spec.containers: Required value, metadata.name: Invalid value: \"A\": bad]", errs.ToInvalidMessage("Pod", "web"));
    }

    [Fact]
    public void AStatusCauseIsTheReasonTheBodyAndTheField()
    {
        var e = FieldError.Required(FieldPath.Root("spec", "containers").Index(0).Child("restartPolicy"), "must specify restartPolicy when restart rules are used");
        Assert.Equal("FieldValueRequired", e.Reason);
        Assert.Equal("Required value: must specify restartPolicy when restart rules are used", e.Body);
        Assert.Equal("spec.containers[0].restartPolicy", e.Field);
    }
}
