namespace Podvisor.Api.Http;

/// <summary>Answers verbs a resource path does not support with a 405 Status (instead of a routing 404).</summary>
internal static class MethodNotAllowed
{
    private static readonly string[] AllVerbs = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    public static void Map(IEndpointRouteBuilder app, string pattern, params string[] supported)
    {
        var others = AllVerbs.Except(supported).ToArray();
        if (others.Length > 0)
        {
            app.MapMethods(pattern, others, ctx => ApiResponses.WriteError(ctx, ApiError.MethodNotAllowed(ctx.Request.Method)));
        }
    }

    public static string Route(this HttpContext ctx, string name) => ctx.Request.RouteValues[name] as string ?? "";
}
