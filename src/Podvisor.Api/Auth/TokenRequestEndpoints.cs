using k8s.Models;
using Podvisor.Api.Http;
using Podvisor.Api.Objects;
using Podvisor.Api.Store;
using Podvisor.Core.Validation;

namespace Podvisor.Api.Auth;

/// <summary>
/// <c>POST /api/v1/namespaces/NS/serviceaccounts/NAME/token</c> (<c>kubectl create token</c>): a TokenRequest answered
/// with a token of the service account (pkg/registry/core/serviceaccount/storage/token.go), for the requested audiences
/// (the API's by default) and expirationSeconds (3600 by default, 10 minutes to 2^32 seconds), optionally bound to a
/// pod of the namespace (<c>boundObjectRef</c> kind Pod: the token dies with the pod).
/// </summary>
internal sealed class TokenRequestEndpoints(ApiContext api, ServiceAccountTokens tokens)
{
    private const string Kind = "TokenRequest.authentication.k8s.io";

    public void Map(IEndpointRouteBuilder app)
    {
        const string path = "/api/v1/namespaces/{ns}/serviceaccounts/{name}/token";
        app.MapPost(path, CreateAsync);
        MethodNotAllowed.Map(app, path, "POST");
    }

    private async Task CreateAsync(HttpContext ctx)
    {
        var (ns, name) = (ctx.Route("ns"), ctx.Route("name"));
        var (request, requestError) = await ReadRequestAsync(ctx.Request).ConfigureAwait(false);
        if (request is null)
        {
            await ApiResponses.WriteError(ctx, requestError!).ConfigureAwait(false);
            return;
        }

        if (api.Store.Get(ResourceKind.ServiceAccounts, ns, name)?.Object is not V1ServiceAccount account)
        {
            await ApiResponses.WriteError(ctx, ApiError.NotFound("serviceaccounts", name)).ConfigureAwait(false);
            return;
        }

        request.Spec ??= new V1TokenRequestSpec();
        var seconds = request.Spec.ExpirationSeconds ??= 3600;
        var errors = ValidateExpiration(seconds);
        var (pod, podNotFound) = BoundPod(ns, request.Spec.BoundObjectRef, errors);
        if (podNotFound is not null)
        {
            await ApiResponses.WriteError(ctx, podNotFound).ConfigureAwait(false);
            return;
        }

        if (ObjectWrites.Invalid(Kind, name, errors) is { } invalid)
        {
            await ApiResponses.WriteError(ctx, invalid).ConfigureAwait(false);
            return;
        }

        var audiences = request.Spec.Audiences is { Count: > 0 } requested ? requested.ToList() : [ServiceAccountTokens.Issuer];
        var token = tokens.Issue(account, pod, audiences, seconds);
        request.ApiVersion = "authentication.k8s.io/v1";
        request.Kind = "TokenRequest";
        request.Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, CreationTimestamp = api.NowTruncated };
        request.Spec.Audiences = audiences;
        request.Status = new V1TokenRequestStatus { Token = token.Token, ExpirationTimestamp = token.ExpiresAt.UtcDateTime };
        await ApiResponses.WriteObject(ctx, 201, request).ConfigureAwait(false);
    }

    /// <summary>The body as a TokenRequest (JSON, YAML or protobuf), or the error that answers it.</summary>
    private static async Task<(Authenticationv1TokenRequest? Request, ApiError? Error)> ReadRequestAsync(HttpRequest http)
    {
        var (node, parseError) = await RequestBody.ReadObjectAsync(http, envelopeOfOtherKinds: true).ConfigureAwait(false);
        return node is null ? (null, parseError) : RequestBody.Decode<Authenticationv1TokenRequest>(node);
    }

    /// <summary>expirationSeconds from 10 minutes to 2^32 seconds.</summary>
    private static ErrorList ValidateExpiration(long seconds)
    {
        var errors = new ErrorList();
        if (seconds < 10 * 60)
        {
            errors.Add(FieldError.Invalid(FieldPath.Root("spec").Child("expirationSeconds"), seconds, "may not specify a duration less than 10 minutes"));
        }
        else if (seconds > 1L << 32)
        {
            errors.Add(FieldError.Invalid(FieldPath.Root("spec").Child("expirationSeconds"), seconds, "may not specify a duration larger than 2^32 seconds"));
        }

        return errors;
    }

    /// <summary>
    /// The pod a token is to be bound to, if any: a bound kind other than Pod is one of <paramref name="errors"/>, a pod
    /// of the namespace that is not there (or has another uid) is a 404.
    /// </summary>
    private (V1Pod? Pod, ApiError? NotFound) BoundPod(string ns, V1BoundObjectReference? bound, ErrorList errors)
    {
        if (bound is null)
        {
            return (null, null);
        }

        if (bound.Kind != "Pod")
        {
            errors.Add(FieldError.NotSupported(FieldPath.Root("spec").Child("boundObjectRef").Child("kind"), bound.Kind, ["Pod"]));
            return (null, null);
        }

        return api.Store.Get(ResourceKind.Pods, ns, bound.Name ?? "")?.Object is V1Pod found
            && (string.IsNullOrEmpty(bound.Uid) || bound.Uid == found.Metadata.Uid)
            ? (found, null)
            : (null, ApiError.NotFound("pods", bound.Name ?? ""));
    }
}
