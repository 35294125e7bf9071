using k8s.Models;
using Podvisor.Api.Http;

namespace Podvisor.Api.Discovery;

/// <summary>
/// Discovery: <c>/api</c>, <c>/api/v1</c>, <c>/apis</c>, <c>/apis/G/V</c> from <see cref="ServedResources"/>,
/// <c>/version</c>, health, and the OpenAPI documents. Aggregated-discovery Accept headers get the legacy documents
/// with a plain JSON content type: client-go then falls back to legacy discovery (kubectl 1.32 and 1.33).
/// </summary>
internal static class DiscoveryEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api", ctx => ApiResponses.WriteObject(ctx, 200, new V1APIVersions
        {
            Kind = "APIVersions",
            Versions = ["v1"],
            ServerAddressByClientCIDRs = [new V1ServerAddressByClientCIDR { ClientCIDR = "0.0.0.0/0", ServerAddress = ctx.Request.Host.Value ?? "" }],
        }));
        app.MapGet("/apis", ctx => ApiResponses.WriteObject(ctx, 200, GroupList()));
        foreach (var groupVersion in ServedResources.ByGroupVersion())
        {
            var list = ResourceList(groupVersion.Key, groupVersion);
            app.MapGet(groupVersion.Key == "v1" ? "/api/v1" : "/apis/" + groupVersion.Key, ctx => ApiResponses.WriteObject(ctx, 200, list));
        }

        foreach (var group in ServedResources.Groups())
        {
            var entry = Group(group);
            app.MapGet("/apis/" + group.Key, ctx => ApiResponses.WriteObject(ctx, 200, entry));
        }

        app.MapGet("/version", ctx => ApiResponses.WriteObject(ctx, 200, Version()));
        foreach (var probe in new[] { "/healthz", "/livez", "/readyz" })
        {
            app.MapGet(probe, ctx =>
            {
                ctx.Response.ContentType = "text/plain; charset=utf-8";
                return ctx.Response.WriteAsync("ok");
            });
        }

        OpenApiEndpoints.Map(app);
    }

    public static VersionInfo Version() => new()
    {
        Major = ServerVersion.Major,
        Minor = ServerVersion.Minor,
        GitVersion = ServerVersion.GitVersion,
        GitCommit = "podvisor",
        GitTreeState = "clean",
        BuildDate = "2026-01-01T00:00:00Z",
        GoVersion = "dotnet" + Environment.Version,
        Compiler = "roslyn",
        Platform = $"{(OperatingSystem.IsLinux() ? "linux" : "unknown")}/{Core.Model.HostFacts.GoArch(System.Runtime.InteropServices.RuntimeInformation.OSArchitecture)}",
    };

    private static V1APIGroupList GroupList() => new()
    {
        Kind = "APIGroupList",
        ApiVersion = "v1",
        Groups = [.. ServedResources.Groups().Select(Group)],
    };

    private static V1APIGroup Group(IGrouping<string, ServedResource> group)
    {
        var versions = group.Select(r => r.Version).Distinct()
            .Select(v => new V1GroupVersionForDiscovery { GroupVersion = $"{group.Key}/{v}", Version = v }).ToList();
        return new V1APIGroup { Kind = "APIGroup", ApiVersion = "v1", Name = group.Key, Versions = versions, PreferredVersion = versions[0] };
    }

    private static V1APIResourceList ResourceList(string groupVersion, IEnumerable<ServedResource> resources) => new()
    {
        Kind = "APIResourceList",
        ApiVersion = "v1",
        GroupVersion = groupVersion,
        Resources = [.. resources.Select(r => r.Resource)],
    };
}
