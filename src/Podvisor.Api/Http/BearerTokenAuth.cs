using System.Security.Cryptography;
using System.Text;

namespace Podvisor.Api.Http;

/// <summary>With a token file configured, every request must carry <c>Authorization: Bearer TOKEN</c>; else 401 Status.</summary>
internal static class BearerTokenAuth
{
    public static void Use(IApplicationBuilder app, string token)
    {
        var expected = Encoding.UTF8.GetBytes("Bearer " + token);
        app.Use(async (ctx, next) =>
        {
            var presented = Encoding.UTF8.GetBytes(ctx.Request.Headers.Authorization.ToString());
            if (!CryptographicOperations.FixedTimeEquals(presented, expected))
            {
                await ApiResponses.WriteError(ctx, ApiError.Unauthorized()).ConfigureAwait(false);
                return;
            }

            await next(ctx).ConfigureAwait(false);
        });
    }
}
