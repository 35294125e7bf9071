using System.Net;
using System.Security.Cryptography;
using System.Text;
using Podvisor.Api.Http;

namespace Podvisor.Api.Auth;

/// <summary>Who made a request: the node's admin (the kubeconfig's user) or a ServiceAccount.</summary>
internal sealed record ApiUser(string Name, IReadOnlyList<string> Groups, ServiceAccountUser? ServiceAccount)
{
    public static readonly ApiUser Admin = new("podvisor", ["system:masters", "system:authenticated"], null);

    public static readonly ApiUser Anonymous = new("system:anonymous", ["system:unauthenticated"], null);

    private const string Key = "podvisor.user";

    public static ApiUser Of(HttpContext ctx) => ctx.Items[Key] as ApiUser ?? Anonymous;

    public void Attach(HttpContext ctx) => ctx.Items[Key] = this;
}

/// <summary>
/// Authentication and authorization of every request (docs/contracts.md §2): a bearer token is the admin token of
/// <c>--token-file</c> or a ServiceAccount token this API issued (then <see cref="ServiceAccountAuthorizer"/>
/// decides); any other token is 401. Without a token a request is 401 when a token file is set or when it came in
/// on the pod listener; otherwise (loopback, no token file) it is anonymous and may do everything, as before.
/// </summary>
internal static class RequestAuthentication
{
    public static void Use(IApplicationBuilder app, string? adminToken, ServiceAccountTokens tokens, IPAddress? podListener)
    {
        var expected = adminToken is null ? null : Encoding.UTF8.GetBytes(adminToken);
        app.Use(async (ctx, next) =>
        {
            var user = Authenticate(ctx, expected, tokens, podListener);
            if (user is null)
            {
                await ApiResponses.WriteError(ctx, ApiError.Unauthorized()).ConfigureAwait(false);
                return;
            }

            if (user.ServiceAccount is { } account && RequestAttributes.Of(ctx.Request) is var request && !ServiceAccountAuthorizer.Allows(account, request))
            {
                await ApiResponses.WriteError(ctx, ServiceAccountAuthorizer.Forbidden(account, request)).ConfigureAwait(false);
                return;
            }

            user.Attach(ctx);
            await next(ctx).ConfigureAwait(false);
        });
    }

    private static ApiUser? Authenticate(HttpContext ctx, byte[]? adminToken, ServiceAccountTokens tokens, IPAddress? podListener)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = header["Bearer ".Length..].Trim();
            if (adminToken is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), adminToken))
            {
                return ApiUser.Admin;
            }

            return tokens.Authenticate(token) is { } account ? new ApiUser(account.UserName, account.Groups, account) : null;
        }

        var viaPodListener = podListener is not null && podListener.Equals(ctx.Connection.LocalIpAddress?.MapToIPv4());
        return adminToken is null && !viaPodListener ? ApiUser.Anonymous : null;
    }
}
