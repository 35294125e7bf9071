using Podvisor.Api.Http;

namespace Podvisor.Api.Auth;

/// <summary>
/// A request as the apiserver's RequestInfoFactory sees it: a resource request (verb, API group, namespace,
/// resource, subresource, name) or a non-resource path.
/// </summary>
internal sealed record RequestAttributes(string Verb, bool IsResource, string Path, string Group, string Namespace, string Resource, string Subresource, string Name)
{
    public static RequestAttributes Of(HttpRequest request)
    {
        var path = request.Path.Value ?? "/";
        var parts = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var (group, rest) = parts switch
        {
            ["api", _, .. var r] when r.Length > 0 => ("", r),
            ["apis", var g, _, .. var r] when r.Length > 0 => (g, r),
            _ => ((string?)null, Array.Empty<string>()),
        };
        var method = request.Method.ToUpperInvariant();
        if (group is null)
        {
            return new RequestAttributes(method.ToLowerInvariant(), false, path, "", "", "", "", "");
        }

        var ns = "";
        if (rest[0] == "namespaces" && rest.Length > 2)
        {
            ns = rest[1];
            rest = rest[2..];
        }
        else if (rest[0] == "namespaces" && rest.Length == 2)
        {
            ns = rest[1]; // the namespace object itself
        }

        var name = rest.Length > 1 ? rest[1] : "";
        var verb = method switch
        {
            "GET" or "HEAD" => name.Length > 0 ? "get" : request.Query["watch"] is [var w, ..] && w is "true" or "1" ? "watch" : "list",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => name.Length > 0 ? "delete" : "deletecollection",
            _ => method.ToLowerInvariant(),
        };
        return new RequestAttributes(verb, true, path, group, ns, rest[0], rest.Length > 2 ? rest[2] : "", name);
    }
}

/// <summary>
/// What a ServiceAccount token may do (docs/contracts.md §2, "ServiceAccounts"): in its own namespace read pods, their
/// status and logs, patch and update pods and their status, read ConfigMaps, events, ServiceAccounts and the
/// namespace; everywhere discovery, OpenAPI, version and its own access and identity reviews. Nothing else: no
/// Secrets, no pod create/delete/exec, no other namespace, no cluster-scoped resource. A denial is the apiserver's
/// 403 with RBAC's wording.
/// </summary>
internal static class ServiceAccountAuthorizer
{
    private static readonly string[] Read = ["get", "list", "watch"];
    private static readonly string[] ReadWrite = ["get", "list", "watch", "patch", "update"];

    public static bool Allows(ServiceAccountUser user, RequestAttributes request)
    {
        if (!request.IsResource)
        {
            return request.Verb == "get" && !request.Path.StartsWith("/metrics", StringComparison.Ordinal);
        }

        if (request.Group is ReviewEndpoints.AuthorizationGroup or ReviewEndpoints.AuthenticationGroup)
        {
            return request.Verb == "create" && request.Resource.StartsWith("selfsubject", StringComparison.Ordinal);
        }

        if (request.Namespace != user.Namespace)
        {
            return false;
        }

        string[] verbs = (request.Group, request.Resource, request.Subresource) switch
        {
            ("", "pods", "") => ReadWrite,
            ("", "pods", "status") => ["get", "patch", "update"],
            ("", "pods", "log") => ["get"],
            ("", "configmaps" or "events" or "serviceaccounts", "") => Read,
            ("events.k8s.io", "events", "") => Read,
            ("", "namespaces", "") => ["get"],
            _ => [],
        };
        return verbs.Contains(request.Verb);
    }

    /// <summary>The apiserver's Forbidden for an RBAC denial (its ForbiddenStatusError message).</summary>
    public static ApiError Forbidden(ServiceAccountUser user, RequestAttributes request)
    {
        if (!request.IsResource)
        {
            return new ApiError(403, "Forbidden", $"forbidden: User \"{user.UserName}\" cannot {request.Verb} path \"{request.Path}\"");
        }

        var resource = request.Subresource.Length > 0 ? $"{request.Resource}/{request.Subresource}" : request.Resource;
        var qualified = request.Group.Length > 0 ? $"{request.Resource}.{request.Group}" : request.Resource;
        var subject = request.Name.Length > 0 ? $"{qualified} \"{request.Name}\"" : qualified;
        var scope = request.Namespace.Length > 0 ? $"in the namespace \"{request.Namespace}\"" : "at the cluster scope";
        return new ApiError(403, "Forbidden",
            $"{subject} is forbidden: User \"{user.UserName}\" cannot {request.Verb} resource \"{resource}\" in API group \"{request.Group}\" {scope}",
            request.Name, request.Resource) { Group = request.Group };
    }
}
