using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Podvisor.Api.Http;
using Podvisor.Api.Patching;
using Podvisor.Api.Pods;
using Podvisor.Api.Store;
using Podvisor.Api.Watch;

namespace Podvisor.Api.Objects;

/// <summary>
/// The routes of a plain namespaced core/v1 resource (ConfigMaps, Secrets): list and watch (per namespace and across
/// namespaces), create, get, update, patch (merge, strategic, JSON, apply) and delete, with the kind's
/// <see cref="IObjectStrategy"/> (upstream: the generic registry.Store). Every change wakes the agent's pods in the
/// namespace (they may be waiting for the object, docs/contracts.md §2).
/// </summary>
internal sealed class ObjectEndpoints(ApiContext api, IObjectStrategy strategy)
{
    private const int MaxAttempts = 8;

    private readonly CollectionHandler _collection = new(api);

    private ResourceKind Kind => strategy.Kind;

    private sealed record Outcome(IKubernetesObject<V1ObjectMeta>? Object, ApiError? Error, IReadOnlyList<string> Warnings, int Code = 200)
    {
        public static readonly Outcome RetryLater = new(null, null, []) { Retry = true };

        public bool Retry { get; private init; }

        public static Outcome Fail(ApiError error, IReadOnlyList<string>? warnings = null) => new(null, error, warnings ?? []);
    }

    public void Map(IEndpointRouteBuilder app)
    {
        var all = $"/api/v1/{Kind.Plural}";
        var collection = $"/api/v1/namespaces/{{ns}}/{Kind.Plural}";
        var item = collection + "/{name}";
        app.MapGet(all, ctx => _collection.HandleAsync(ctx, Kind, null));
        app.MapGet(collection, ctx => _collection.HandleAsync(ctx, Kind, ctx.Route("ns")));
        app.MapPost(collection, CreateAsync);
        app.MapGet(item, GetAsync);
        app.MapPut(item, UpdateAsync);
        app.MapPatch(item, PatchAsync);
        app.MapDelete(item, DeleteAsync);
        MethodNotAllowed.Map(app, all, "GET");
        MethodNotAllowed.Map(app, collection, "GET", "POST");
        MethodNotAllowed.Map(app, item, "GET", "PUT", "PATCH", "DELETE");
    }

    private Task GetAsync(HttpContext ctx)
    {
        var name = ctx.Route("name");
        return api.Store.Get(Kind, ctx.Route("ns"), name) is { } stored
            ? ApiResponses.WriteStored(ctx, 200, stored, api.Now)
            : ApiResponses.WriteError(ctx, ApiError.NotFound(Kind.Plural, name));
    }

    private async Task CreateAsync(HttpContext ctx)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(ctx.Request).ConfigureAwait(false);
        var outcome = body is null ? Outcome.Fail(error!) : await CreateAsync(ctx.Route("ns"), body, WriteOptions.From(ctx.Request)).ConfigureAwait(false);
        await RespondAsync(ctx, outcome).ConfigureAwait(false);
    }

    private async Task UpdateAsync(HttpContext ctx)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(ctx.Request).ConfigureAwait(false);
        var outcome = body is null ? Outcome.Fail(error!) : await UpdateAsync(ctx.Route("ns"), ctx.Route("name"), body, WriteOptions.From(ctx.Request)).ConfigureAwait(false);
        await RespondAsync(ctx, outcome).ConfigureAwait(false);
    }

    private async Task PatchAsync(HttpContext ctx)
    {
        if (PatchTypes.Normalize(ctx.Request.ContentType) is not { } patchType)
        {
            await ApiResponses.WriteError(ctx, ApiError.UnsupportedMediaType(ctx.Request.ContentType ?? "")).ConfigureAwait(false);
            return;
        }

        var (text, error) = await RequestBody.ReadTextAsync(ctx.Request).ConfigureAwait(false);
        var outcome = text is null
            ? Outcome.Fail(error!)
            : await PatchAsync(ctx.Route("ns"), ctx.Route("name"), patchType, text, WriteOptions.From(ctx.Request)).ConfigureAwait(false);
        await RespondAsync(ctx, outcome).ConfigureAwait(false);
    }

    private async Task DeleteAsync(HttpContext ctx)
    {
        var (options, dryRun, error) = await ObjectWrites.ReadDeleteOptionsAsync(ctx.Request).ConfigureAwait(false);
        if (options is null)
        {
            await ApiResponses.WriteError(ctx, error!).ConfigureAwait(false);
            return;
        }

        var (ns, name) = (ctx.Route("ns"), ctx.Route("name"));
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (api.Store.Get(Kind, ns, name) is not { } current)
            {
                break;
            }

            if (ObjectWrites.CheckPreconditions(current.Metadata, options.Preconditions, Kind.Plural) is { } failed)
            {
                await ApiResponses.WriteError(ctx, failed).ConfigureAwait(false);
                return;
            }

            if (dryRun || (await api.Store.DeleteAsync(Kind, ns, name, current.Uid).ConfigureAwait(false)).Outcome == StoreOutcome.Ok)
            {
                if (!dryRun)
                {
                    api.Agent?.ConfigObjectsChanged(ns);
                }

                // A resource without graceful deletion answers Success with the object's identity (registry.Store.Delete).
                // (KubernetesClient cannot serialize V1Status, so the Status is written as JSON directly.)
                var status = new JsonObject
                {
                    ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success",
                    ["details"] = new JsonObject { ["name"] = name, ["kind"] = Kind.Plural, ["uid"] = current.Uid },
                };
                await ApiResponses.WriteBytes(ctx, 200, System.Text.Encoding.UTF8.GetBytes(status.ToJsonString())).ConfigureAwait(false);
                return;
            }
        }

        await ApiResponses.WriteError(ctx, ApiError.NotFound(Kind.Plural, name)).ConfigureAwait(false);
    }

    private async Task<Outcome> CreateAsync(string ns, JsonObject body, WriteOptions options)
    {
        var (obj, error, warnings) = strategy.Decode(body, options);
        if (obj is null)
        {
            return Outcome.Fail(error!);
        }

        if (obj.Metadata.NamespaceProperty is { Length: > 0 } bodyNs && bodyNs != ns)
        {
            return Outcome.Fail(ApiError.BadRequest("the namespace of the provided object does not match the namespace sent on the request"));
        }

        ObjectWrites.PrepareMetaForCreate(obj.Metadata, ns, api.NowTruncated);
        if (ObjectWrites.CheckNamespace(api, ns, Kind.Plural, obj.Metadata.Name) is { } refused)
        {
            return Outcome.Fail(refused, warnings);
        }

        strategy.Normalize(obj);
        if (ObjectWrites.Invalid(Kind.Kind, obj.Metadata.Name, strategy.ValidateCreate(obj)) is { } invalid)
        {
            return Outcome.Fail(invalid, warnings);
        }

        if (options.DryRun)
        {
            return new Outcome(obj, null, warnings, 201);
        }

        var result = await api.Store.CreateAsync(Kind, obj).ConfigureAwait(false);
        if (result.Outcome == StoreOutcome.AlreadyExists)
        {
            return Outcome.Fail(ApiError.AlreadyExists(Kind.Plural, obj.Metadata.Name), warnings);
        }

        api.Agent?.ConfigObjectsChanged(ns);
        return new Outcome(result.Object!.Object, null, warnings, 201);
    }

    private Task<Outcome> UpdateAsync(string ns, string name, JsonObject body, WriteOptions options)
    {
        var (obj, error, warnings) = strategy.Decode(body, options);
        if (obj is null)
        {
            return Task.FromResult(Outcome.Fail(error!));
        }

        if (obj.Metadata.Name != name)
        {
            return Task.FromResult(Outcome.Fail(ApiError.BadRequest($"the name of the object ({obj.Metadata.Name}) does not match the name on the URL ({name})")));
        }

        var explicitVersion = obj.Metadata.ResourceVersion;
        return RetryAsync(ns, name, warnings, current => CommitAsync(current, Kind.Deserialize(KubernetesJson.Serialize(obj)), explicitVersion, options));
    }

    private async Task<Outcome> PatchAsync(string ns, string name, string patchType, string body, WriteOptions options)
    {
        if (patchType == PatchTypes.Apply && api.Store.Get(Kind, ns, name) is null)
        {
            var (applied, parseError) = RequestBody.ParseObject(body);
            return applied is null ? Outcome.Fail(parseError!) : await CreateAsync(ns, applied, options).ConfigureAwait(false);
        }

        var warnings = new List<string>();
        return await RetryAsync(ns, name, warnings, async current =>
        {
            var (patchBody, applyError) = patchType == PatchTypes.Apply ? ObjectWrites.ApplyConfigurationJson(body) : (body, null);
            if (applyError is not null)
            {
                return Outcome.Fail(applyError);
            }

            var (patched, patchError) = PatchTypes.ApplyPatch(patchType, JsonNode.Parse(current.Json)!, patchBody!);
            if (patched is not JsonObject patchedObject)
            {
                return Outcome.Fail(patchError ?? ApiError.BadRequest("the patch did not produce an object"));
            }

            var (obj, error, decodeWarnings) = strategy.Decode(patchedObject, options);
            warnings.AddRange(decodeWarnings);
            // Only a resourceVersion the patch set is a precondition (as PodWriter.PatchAsync, the upstream patcher).
            var explicitVersion = obj?.Metadata.ResourceVersion == current.ResourceVersion.ToString(CultureInfo.InvariantCulture) ? null : obj?.Metadata.ResourceVersion;
            return obj is null ? Outcome.Fail(error!) : await CommitAsync(current, obj, explicitVersion, options).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <summary>GuaranteedUpdate: re-reads and retries on a concurrent write unless the client pinned a resourceVersion.</summary>
    private async Task<Outcome> RetryAsync(string ns, string name, IReadOnlyList<string> warnings, Func<StoredObject, Task<Outcome>> attempt)
    {
        for (var i = 0; i < MaxAttempts; i++)
        {
            if (api.Store.Get(Kind, ns, name) is not { } current)
            {
                return Outcome.Fail(ApiError.NotFound(Kind.Plural, name), warnings);
            }

            var outcome = await attempt(current).ConfigureAwait(false);
            if (!outcome.Retry)
            {
                return outcome with { Warnings = warnings.Concat(outcome.Warnings).Distinct().ToList() };
            }
        }

        return Outcome.Fail(ApiError.Modified(Kind.Plural, name), warnings);
    }

    private async Task<Outcome> CommitAsync(StoredObject current, IKubernetesObject<V1ObjectMeta> obj, string? explicitVersion, WriteOptions options)
    {
        var old = Kind.Deserialize(System.Text.Encoding.UTF8.GetString(current.Json));
        if (!string.IsNullOrEmpty(explicitVersion) && explicitVersion != old.Metadata.ResourceVersion)
        {
            return Outcome.Fail(ApiError.Modified(Kind.Plural, current.Name));
        }

        ObjectWrites.PrepareMetaForUpdate(obj.Metadata, old.Metadata);
        strategy.Normalize(obj);
        if (ObjectWrites.Invalid(Kind.Kind, obj.Metadata.Name, strategy.ValidateUpdate(obj, old)) is { } invalid)
        {
            return Outcome.Fail(invalid);
        }

        if (options.DryRun)
        {
            return new Outcome(obj, null, []);
        }

        var result = await api.Store.UpdateAsync(Kind, obj, current.ResourceVersion).ConfigureAwait(false);
        if (result.Outcome == StoreOutcome.Conflict)
        {
            return string.IsNullOrEmpty(explicitVersion) ? Outcome.RetryLater : Outcome.Fail(ApiError.Modified(Kind.Plural, current.Name));
        }

        api.Agent?.ConfigObjectsChanged(current.Namespace);
        return new Outcome(result.Object!.Object, null, []);
    }

    private static Task RespondAsync(HttpContext ctx, Outcome outcome)
    {
        ObjectDecoder.AddWarnings(ctx.Response, outcome.Warnings);
        return outcome.Object is { } obj ? ApiResponses.WriteObject(ctx, outcome.Code, obj) : ApiResponses.WriteError(ctx, outcome.Error!);
    }
}
