using Podvisor.Api.Http;

namespace Podvisor.Api.Discovery;

/// <summary>The OpenAPI routes.</summary>
internal static class OpenApiEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/openapi/v3", ctx => ApiResponses.WriteBytes(ctx, 200, OpenApiDocuments.Index));
        app.MapGet("/openapi/v3/api/v1", ctx => ApiResponses.WriteBytes(ctx, 200, OpenApiDocuments.CoreV1));
    }
}
