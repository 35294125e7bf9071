using Podvisor.Api.Http;

namespace Podvisor.Api.Discovery;

/// <summary>
/// <c>/openapi/v2</c> (protobuf when the Accept header asks for gnostic's message, as kubectl ≤ 1.28 does; JSON
/// otherwise) and <c>/openapi/v3</c> with its per-group/version documents.
/// </summary>
internal static class OpenApiEndpoints
{
    public const string V2ProtobufType = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/openapi/v2", ctx =>
        {
            var docs = OpenApiDocuments.Current;
            if (ctx.Request.Headers.Accept.ToString().Contains(V2ProtobufType, StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 200;
                ctx.Response.ContentType = "application/octet-stream"; // as kube-openapi: '@' is not valid in a media type
                return ctx.Response.Body.WriteAsync(docs.V2Protobuf, ctx.RequestAborted).AsTask();
            }

            return ApiResponses.WriteBytes(ctx, 200, docs.V2Json);
        });
        app.MapGet("/openapi/v3", ctx => ApiResponses.WriteBytes(ctx, 200, OpenApiDocuments.Current.V3Index));
        app.MapGet("/openapi/v3/{**path}", ctx => OpenApiDocuments.Current.V3.TryGetValue(ctx.Route("path"), out var document)
            ? ApiResponses.WriteBytes(ctx, 200, document)
            : ApiResponses.WriteError(ctx, ApiError.NoRoute()));
    }
}
