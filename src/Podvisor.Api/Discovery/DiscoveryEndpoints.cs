using Podvisor.Core;
using k8s.Models;
using Podvisor.Api.Http;

namespace Podvisor.Api.Discovery;

/// <summary>
/// Discovery kubectl needs: <c>/api</c>, <c>/api/v1</c>, <c>/apis</c>, <c>/version</c>, health, and the OpenAPI v3
/// index that tells kubectl the server does field validation (so it skips client-side schema validation).
/// Aggregated-discovery Accept headers get the legacy documents with a plain JSON content type: client-go then
/// falls back to legacy discovery (kubectl 1.32 and 1.33).
/// </summary>
internal static class DiscoveryEndpoints
{
    public const string GitVersion = KubernetesRelease.Version + "-podvisor";

    private static readonly string[] ReadWriteVerbs = ["create", "delete", "get", "list", "patch", "update", "watch"];

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api", ctx => ApiResponses.WriteObject(ctx, 200, new V1APIVersions
        {
            Kind = "APIVersions",
            Versions = ["v1"],
            ServerAddressByClientCIDRs = [new V1ServerAddressByClientCIDR { ClientCIDR = "0.0.0.0/0", ServerAddress = ctx.Request.Host.Value ?? "" }],
        }));
        app.MapGet("/api/v1", ctx => ApiResponses.WriteObject(ctx, 200, CoreResources()));
        app.MapGet("/apis", ctx => ApiResponses.WriteObject(ctx, 200, new V1APIGroupList { Kind = "APIGroupList", ApiVersion = "v1", Groups = [] }));
        app.MapGet("/version", ctx => ApiResponses.WriteObject(ctx, 200, Version()));
        foreach (var probe in new[] { "/healthz", "/livez", "/readyz" })
        {
            app.MapGet(probe, ctx =>
            {
                ctx.Response.ContentType = "text/plain; charset=utf-8";
                return ctx.Response.WriteAsync("ok");
            });
        }

        app.MapGet("/openapi/v3", ctx => ApiResponses.WriteBytes(ctx, 200, OpenApiDocuments.Index));
        app.MapGet("/openapi/v3/api/v1", ctx => ApiResponses.WriteBytes(ctx, 200, OpenApiDocuments.CoreV1));
    }

    public static VersionInfo Version() => new()
    {
        Major = "1",
        Minor = "35",
        GitVersion = GitVersion,
        GitCommit = "podvisor",
        GitTreeState = "clean",
        BuildDate = "2026-01-01T00:00:00Z",
        GoVersion = "dotnet" + Environment.Version,
        Compiler = "roslyn",
        Platform = $"{(OperatingSystem.IsLinux() ? "linux" : "unknown")}/{System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}",
    };

    private static V1APIResourceList CoreResources() => new()
    {
        Kind = "APIResourceList",
        ApiVersion = "v1",
        GroupVersion = "v1",
        Resources =
        [
            new V1APIResource { Name = "pods", SingularName = "pod", Namespaced = true, Kind = "Pod", Verbs = ReadWriteVerbs, ShortNames = ["po"], Categories = ["all"] },
            new V1APIResource { Name = "pods/log", SingularName = "", Namespaced = true, Kind = "Pod", Verbs = ["get"] },
            new V1APIResource { Name = "pods/status", SingularName = "", Namespaced = true, Kind = "Pod", Verbs = ["get", "patch", "update"] },
            new V1APIResource { Name = "events", SingularName = "event", Namespaced = true, Kind = "Event", Verbs = ["get", "list", "watch"], ShortNames = ["ev"] },
            new V1APIResource { Name = "namespaces", SingularName = "namespace", Namespaced = false, Kind = "Namespace", Verbs = ["create", "get", "list", "watch"], ShortNames = ["ns"] },
        ],
    };
}
