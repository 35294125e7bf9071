using System.Text.RegularExpressions;
using k8s.Models;
using Podvisor.Api.Http;
using Podvisor.Api.Store;
using Podvisor.Api.Watch;

namespace Podvisor.Api.Namespaces;

/// <summary>
/// Namespaces: list, watch, get, create and delete. <c>default</c>, <c>kube-system</c>, <c>kube-public</c> and
/// <c>kube-node-lease</c> exist from the start; all but kube-node-lease are immortal, as the NamespaceLifecycle
/// admission plugin's immortal set.
/// </summary>
internal sealed partial class NamespaceEndpoints(ApiContext api, NamespaceTerminator terminator, NamespaceDefaults defaults)
{
    public static readonly string[] Builtin = ["default", "kube-node-lease", "kube-public", "kube-system"];

    private static readonly string[] Immortal = ["default", "kube-public", "kube-system"];

    private const string Item = "/api/v1/namespaces/{name}";

    private readonly CollectionHandler _collection = new(api);

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/namespaces", ctx => _collection.HandleAsync(ctx, ResourceKind.Namespaces, null));
        app.MapPost("/api/v1/namespaces", CreateAsync);
        app.MapGet(Item, ctx =>
        {
            var name = ctx.Route("name");
            return api.Store.Get(ResourceKind.Namespaces, null, name) is { } ns
                ? ApiResponses.WriteStored(ctx, 200, ns, api.Now)
                : ApiResponses.WriteError(ctx, ApiError.NotFound("namespaces", name));
        });
        app.MapDelete(Item, DeleteAsync);
        MethodNotAllowed.Map(app, "/api/v1/namespaces", "GET", "POST");
        MethodNotAllowed.Map(app, Item, "GET", "DELETE");
    }

    /// <summary>Creates the built-in namespaces that are missing (first start), then every namespace's default content.</summary>
    public async Task EnsureBuiltinAsync()
    {
        foreach (var name in Builtin.Where(n => api.Store.Get(ResourceKind.Namespaces, null, n) is null))
        {
            await api.Store.CreateAsync(ResourceKind.Namespaces, Prepare(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } })).ConfigureAwait(false);
        }

        await defaults.EnsureAllAsync().ConfigureAwait(false);
    }

    private async Task CreateAsync(HttpContext ctx)
    {
        var (node, parseError) = await RequestBody.ReadObjectAsync(ctx.Request, envelopeOfOtherKinds: true).ConfigureAwait(false);
        var (ns, decodeError) = node is null ? (null, parseError) : RequestBody.Decode<V1Namespace>(node);
        if (ns is null)
        {
            await ApiResponses.WriteError(ctx, decodeError!).ConfigureAwait(false);
            return;
        }

        var name = ns.Metadata?.Name ?? "";
        if (Validate(name) is { } invalid)
        {
            await ApiResponses.WriteError(ctx, invalid).ConfigureAwait(false);
            return;
        }

        var result = await api.Store.CreateAsync(ResourceKind.Namespaces, Prepare(ns)).ConfigureAwait(false);
        if (result.Outcome == StoreOutcome.Ok)
        {
            await defaults.EnsureAsync(name).ConfigureAwait(false);
        }

        await (result.Outcome == StoreOutcome.Ok
            ? ApiResponses.WriteBytes(ctx, 201, result.Object!.Json)
            : ApiResponses.WriteError(ctx, ApiError.AlreadyExists("namespaces", name))).ConfigureAwait(false);
    }

    /// <summary>Marks the namespace Terminating (deletionTimestamp, phase) and starts deleting its content; answers the Terminating object.</summary>
    private async Task DeleteAsync(HttpContext ctx)
    {
        var name = ctx.Route("name");
        if (Immortal.Contains(name))
        {
            await ApiResponses.WriteError(ctx, ApiError.Forbidden("namespaces", name, "this namespace may not be deleted")).ConfigureAwait(false);
            return;
        }

        for (var attempt = 0; attempt < 8; attempt++)
        {
            if (api.Store.Get(ResourceKind.Namespaces, null, name) is not { } current)
            {
                await ApiResponses.WriteError(ctx, ApiError.NotFound("namespaces", name)).ConfigureAwait(false);
                return;
            }

            if (current.Metadata.DeletionTimestamp is not null)
            {
                await ApiResponses.WriteBytes(ctx, 200, current.Json).ConfigureAwait(false);
                return;
            }

            var ns = current.CloneAs<V1Namespace>();
            ns.Metadata.DeletionTimestamp = api.NowTruncated;
            ns.Status = new V1NamespaceStatus { Phase = "Terminating" };
            var updated = await api.Store.UpdateAsync(ResourceKind.Namespaces, ns, current.ResourceVersion).ConfigureAwait(false);
            if (updated.Outcome == StoreOutcome.Ok)
            {
                await terminator.TerminateAsync(name).ConfigureAwait(false);
                await ApiResponses.WriteBytes(ctx, 200, updated.Object!.Json).ConfigureAwait(false);
                return;
            }
        }

        await ApiResponses.WriteError(ctx, ApiError.Modified("namespaces", name)).ConfigureAwait(false);
    }

    /// <summary>Mirrors namespaceStrategy.PrepareForCreate and defaulting: finalizer kubernetes, phase Active, name label.</summary>
    private V1Namespace Prepare(V1Namespace ns)
    {
        ns.ApiVersion = "v1";
        ns.Kind = "Namespace";
        ns.Metadata.Uid = Guid.NewGuid().ToString();
        ns.Metadata.CreationTimestamp = api.NowTruncated;
        ns.Metadata.ResourceVersion = null;
        ns.Metadata.Labels ??= new Dictionary<string, string>();
        ns.Metadata.Labels["kubernetes.io/metadata.name"] = ns.Metadata.Name;
        ns.Spec = new V1NamespaceSpec { Finalizers = ["kubernetes"] };
        ns.Status = new V1NamespaceStatus { Phase = "Active" };
        return ns;
    }

    private static ApiError? Validate(string name)
    {
        if (name.Length == 0)
        {
            return ApiError.Invalid("Namespace", name, "The Namespace \"\" is invalid: metadata.name: Required value: name or generateName is required",
                [new FieldCause("FieldValueRequired", "Required value: name or generateName is required", "metadata.name")]);
        }

        if (name.Length > 63 || !Dns1123Label().IsMatch(name))
        {
            var detail = $"Invalid value: \"{name}\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
            return ApiError.Invalid("Namespace", name, $"The Namespace \"{name}\" is invalid: metadata.name: {detail}",
                [new FieldCause("FieldValueInvalid", detail, "metadata.name")]);
        }

        return null;
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();
}
