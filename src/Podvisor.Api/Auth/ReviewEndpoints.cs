using k8s.Models;
using Podvisor.Api.Http;

namespace Podvisor.Api.Auth;

/// <summary>
/// <c>kubectl auth can-i</c> and <c>auth whoami</c>: SelfSubjectAccessReview, SelfSubjectRulesReview and
/// SelfSubjectReview, answered for Podvisor's single user. There is no authorizer (the apiserver's AlwaysAllow):
/// whoever passes authentication may do everything. With a token file the caller is the kubeconfig's user
/// <c>podvisor</c> in <c>system:masters</c>; without one requests are unauthenticated (<c>system:anonymous</c>).
/// </summary>
internal sealed class ReviewEndpoints(bool tokenRequired)
{
    public const string AuthorizationGroup = "authorization.k8s.io";
    public const string AuthenticationGroup = "authentication.k8s.io";

    /// <summary>kubectl 1.27 asks v1beta1 (v1 from 1.28); the review is the same in both.</summary>
    public static readonly string[] AuthenticationVersions = ["v1", "v1beta1"];

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapPost($"/apis/{AuthorizationGroup}/v1/selfsubjectaccessreviews", ctx => ReviewAsync<V1SelfSubjectAccessReview>(ctx, review =>
        {
            review.Status = new V1SubjectAccessReviewStatus { Allowed = true };
            return review;
        }));
        app.MapPost($"/apis/{AuthorizationGroup}/v1/selfsubjectrulesreviews", ctx => ReviewAsync<V1SelfSubjectRulesReview>(ctx, review =>
        {
            review.Status = new V1SubjectRulesReviewStatus
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
                review.ApiVersion = $"{AuthenticationGroup}/{version}";
                review.Status = new V1SelfSubjectReviewStatus { UserInfo = UserInfo() };
                return review;
            }));
        }
    }

    private V1UserInfo UserInfo() => tokenRequired
        ? new V1UserInfo { Username = "podvisor", Groups = ["system:masters", "system:authenticated"] }
        : new V1UserInfo { Username = "system:anonymous", Groups = ["system:unauthenticated"] };

    /// <summary>
    /// Reviews are create-only and never stored: the request comes back with its status filled in (201, as upstream).
    /// Of a protobuf body (kubectl 1.33 whoami) only the envelope is read: the answer does not depend on the spec.
    /// </summary>
    private static async Task ReviewAsync<T>(HttpContext ctx, Func<T, T> answer)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        var (node, parseError) = await ProtobufMetadata.ReadObjectAsync(ctx.Request).ConfigureAwait(false);
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
