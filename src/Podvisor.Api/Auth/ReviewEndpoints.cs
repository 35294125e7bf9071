using k8s.Models;
using Podvisor.Api.Http;

namespace Podvisor.Api.Auth;

/// <summary>
/// <c>kubectl auth can-i</c> and <c>auth whoami</c>: SelfSubjectAccessReview, SelfSubjectRulesReview and
/// SelfSubjectReview for the caller <see cref="RequestAuthentication"/> found. The admin and the anonymous loopback
/// caller may do everything (the apiserver's AlwaysAllow); a ServiceAccount gets <see cref="ServiceAccountAuthorizer"/>'s
/// answer.
/// </summary>
internal static class ReviewEndpoints
{
    public const string AuthorizationGroup = "authorization.k8s.io";
    public const string AuthenticationGroup = "authentication.k8s.io";

    /// <summary>kubectl 1.27 asks v1beta1 (v1 from 1.28); the review is the same in both.</summary>
    public static readonly string[] AuthenticationVersions = ["v1", "v1beta1"];

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost($"/apis/{AuthorizationGroup}/v1/selfsubjectaccessreviews", ctx => ReviewAsync<V1SelfSubjectAccessReview>(ctx, review =>
        {
            review.Status = new V1SubjectAccessReviewStatus { Allowed = Allowed(ApiUser.Of(ctx), review.Spec) };
            return review;
        }));
        app.MapPost($"/apis/{AuthorizationGroup}/v1/selfsubjectrulesreviews", ctx => ReviewAsync<V1SelfSubjectRulesReview>(ctx, review =>
        {
            review.Status = ApiUser.Of(ctx).ServiceAccount is { } account
                ? new V1SubjectRulesReviewStatus
                {
                    Incomplete = false,
                    ResourceRules = review.Spec?.NamespaceProperty == account.Namespace
                        ?
                        [
                            new V1ResourceRule { Verbs = ["get", "list", "watch", "patch", "update"], ApiGroups = [""], Resources = ["pods"] },
                            new V1ResourceRule { Verbs = ["get", "patch", "update"], ApiGroups = [""], Resources = ["pods/status"] },
                            new V1ResourceRule { Verbs = ["get"], ApiGroups = [""], Resources = ["pods/log", "namespaces"] },
                            new V1ResourceRule { Verbs = ["get", "list", "watch"], ApiGroups = [""], Resources = ["configmaps", "events", "serviceaccounts"] },
                            new V1ResourceRule { Verbs = ["get", "list", "watch"], ApiGroups = ["events.k8s.io"], Resources = ["events"] },
                        ]
                        : [],
                    NonResourceRules = [new V1NonResourceRule { Verbs = ["get"], NonResourceURLs = ["/api", "/api/*", "/apis", "/apis/*", "/openapi", "/openapi/*", "/version", "/version/"] }],
                }
                : new V1SubjectRulesReviewStatus
                {
                    Incomplete = false,
                    ResourceRules = [new V1ResourceRule { Verbs = ["*"], ApiGroups = ["*"], Resources = ["*"] }],
                    NonResourceRules = [new V1NonResourceRule { Verbs = ["*"], NonResourceURLs = ["*"] }],
                };
            return review;
        }));
        foreach (var version in AuthenticationVersions)
        {
            app.MapPost($"/apis/{AuthenticationGroup}/{version}/selfsubjectreviews", ctx => ReviewAsync<V1SelfSubjectReview>(ctx, review =>
            {
                var user = ApiUser.Of(ctx);
                review.ApiVersion = $"{AuthenticationGroup}/{version}";
                review.Status = new V1SelfSubjectReviewStatus { UserInfo = new V1UserInfo { Username = user.Name, Groups = [.. user.Groups] } };
                return review;
            }));
        }
    }

    /// <summary>The review's question, asked of the caller's authorizer.</summary>
    private static bool Allowed(ApiUser user, V1SelfSubjectAccessReviewSpec? spec)
    {
        if (user.ServiceAccount is not { } account)
        {
            return true;
        }

        var request = spec?.ResourceAttributes is { } r
            ? new RequestAttributes(r.Verb ?? "", true, "", r.Group ?? "", r.NamespaceProperty ?? "", r.Resource ?? "", r.Subresource ?? "", r.Name ?? "")
            : new RequestAttributes(spec?.NonResourceAttributes?.Verb ?? "", false, spec?.NonResourceAttributes?.Path ?? "", "", "", "", "", "");
        return ServiceAccountAuthorizer.Allows(account, request);
    }
    /// <summary>
    /// Reviews are create-only and never stored: the request comes back with its status filled in (201, as upstream).
    /// A protobuf body is read as <see cref="ProtobufBody"/> reads it (a SelfSubjectAccessReview whole, others their envelope).
    /// </summary>
    private static async Task ReviewAsync<T>(HttpContext ctx, Func<T, T> answer)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        var (node, parseError) = await RequestBody.ReadObjectAsync(ctx.Request, envelopeOfOtherKinds: true).ConfigureAwait(false);
        var (review, decodeError) = node is null ? (null, parseError) : RequestBody.Decode<T>(node);
        if (review is null)
        {
            await ApiResponses.WriteError(ctx, decodeError!).ConfigureAwait(false);
            return;
        }

        review.Metadata ??= new V1ObjectMeta();
        review.Metadata.CreationTimestamp = null;
        await ApiResponses.WriteObject(ctx, 201, answer(review)).ConfigureAwait(false);
    }
}
