using System.Globalization;
using Podvisor.Api.Http;
using Podvisor.Api.Selectors;
using Podvisor.Api.Store;

namespace Podvisor.Api.Watch;

/// <summary>metav1.ListOptions as list and watch requests carry them.</summary>
internal sealed record ListQuery(
    LabelSelector Labels,
    FieldSelector Fields,
    bool Watch,
    string? ResourceVersion,
    long? TimeoutSeconds,
    bool SendInitialEvents)
{
    /// <summary>The page size (<c>limit</c>); 0 means everything.</summary>
    public long Limit { get; init; }

    /// <summary>The decoded <c>continue</c> of a later page.</summary>
    public ContinueToken? Continue { get; init; }

    public static (ListQuery? Query, ApiError? Error) Parse(IQueryCollection query, ResourceKind kind)
    {
        var (labels, labelError) = LabelSelector.Parse(query["labelSelector"]);
        if (labels is null)
        {
            return (null, ApiError.BadRequest(labelError!));
        }

        var (fields, fieldError) = FieldSelector.Parse(query["fieldSelector"]);
        if (fields is null)
        {
            return (null, ApiError.BadRequest(fieldError!));
        }

        if (fields.UnsupportedField(kind.Field, kind.Probe) is { } unsupported)
        {
            return (null, ApiError.BadRequest($"field label not supported: {unsupported}"));
        }

        long? timeout = long.TryParse(query["timeoutSeconds"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var t) ? t : null;
        var resourceVersion = query["resourceVersion"].ToString();
        if (resourceVersion.Length > 0 && !long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            return (null, ApiError.BadRequest($"invalid resource version: {resourceVersion}"));
        }

        var limit = long.TryParse(query["limit"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) && l > 0 ? l : 0;
        ContinueToken? token = null;
        if (query["continue"].ToString() is { Length: > 0 } continueValue)
        {
            if (resourceVersion.Length > 0)
            {
                return (null, ApiError.BadRequest("specifying resource version is not allowed when using continue"));
            }

            (token, var tokenError) = ContinueToken.Decode(continueValue);
            if (token is null)
            {
                return (null, ApiError.BadRequest(tokenError!));
            }
        }

        return (new ListQuery(
            labels,
            fields,
            IsTrue(query["watch"]),
            resourceVersion.Length > 0 ? resourceVersion : null,
            timeout,
            IsTrue(query["sendInitialEvents"])) { Limit = limit, Continue = token }, null);
    }

    public bool Matches(StoredObject obj, string? ns) =>
        (ns is null || obj.Namespace == ns) && Labels.Matches(obj.Metadata.Labels) && Fields.Matches(obj.Object, obj.Kind.Field);

    private static bool IsTrue(Microsoft.Extensions.Primitives.StringValues value) => value.ToString() is "true" or "1" or "True";
}
