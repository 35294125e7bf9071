namespace Podvisor.Api.Http;

internal enum IncludeObject
{
    None,
    Metadata,
    Object,
}

/// <summary>
/// What the client asked for in <c>Accept</c>: a plain object, or a server-side Table
/// (<c>application/json;as=Table;v=v1;g=meta.k8s.io</c>, or v1beta1), and the Table's includeObject policy.
/// </summary>
internal sealed record OutputFormat(string? TableApiVersion, IncludeObject Include)
{
    public static readonly OutputFormat Json = new(null, IncludeObject.Object);

    public bool IsTable => TableApiVersion is not null;

    public static OutputFormat From(HttpRequest request)
    {
        var include = request.Query["includeObject"].ToString() switch
        {
            "None" => IncludeObject.None,
            "Object" => IncludeObject.Object,
            _ => IncludeObject.Metadata,
        };
        foreach (var mediaType in request.Headers.Accept.ToString().Split(','))
        {
            var parameters = mediaType.Split(';', StringSplitOptions.TrimEntries);
            if (!parameters.Contains("as=Table") || !parameters.Contains("g=meta.k8s.io"))
            {
                continue;
            }

            if (parameters.Contains("v=v1"))
            {
                return new OutputFormat("meta.k8s.io/v1", include);
            }

            if (parameters.Contains("v=v1beta1"))
            {
                return new OutputFormat("meta.k8s.io/v1beta1", include);
            }
        }

        return Json;
    }
}
