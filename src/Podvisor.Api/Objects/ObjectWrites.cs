using System.Security.Cryptography;
using System.Text.Json.Nodes;
using k8s.Models;
using Podvisor.Api.Http;
using Podvisor.Api.Pods;
using Podvisor.Api.Store;
using Podvisor.Core.Validation;

namespace Podvisor.Api.Objects;

/// <summary>What every write of a namespaced object shares (upstream: the generic registry.Store and rest.BeforeCreate/BeforeUpdate).</summary>
internal static class ObjectWrites
{
    private const string GenerateNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>NamespaceLifecycle admission: the namespace must exist and not be terminating.</summary>
    public static ApiError? CheckNamespace(ApiContext api, string ns, string resource, string? name)
    {
        if (api.Store.Get(ResourceKind.Namespaces, null, ns) is not { } stored)
        {
            return ApiError.NotFound("namespaces", ns);
        }

        return stored.Metadata.DeletionTimestamp is null
            ? null
            : ApiError.Forbidden(resource, name ?? "", $"unable to create new content in namespace {ns} because it is being terminated");
    }

    /// <summary>rest.BeforeCreate's metadata: namespace, a generated name, a new uid and creationTimestamp, no resourceVersion or deletion.</summary>
    public static void PrepareMetaForCreate(V1ObjectMeta meta, string ns, DateTime now)
    {
        meta.NamespaceProperty = ns;
        if (string.IsNullOrEmpty(meta.Name) && !string.IsNullOrEmpty(meta.GenerateName))
        {
            meta.Name = meta.GenerateName + RandomSuffix();
        }

        meta.Uid = Guid.NewGuid().ToString();
        meta.CreationTimestamp = now;
        meta.ResourceVersion = null;
        meta.DeletionTimestamp = null;
        meta.DeletionGracePeriodSeconds = null;
    }

    /// <summary>rest.BeforeUpdate's metadata: system fields come from the stored object.</summary>
    public static void PrepareMetaForUpdate(V1ObjectMeta meta, V1ObjectMeta old)
    {
        meta.NamespaceProperty = old.NamespaceProperty;
        meta.Uid = old.Uid;
        meta.CreationTimestamp = old.CreationTimestamp;
        meta.DeletionTimestamp = old.DeletionTimestamp;
        meta.DeletionGracePeriodSeconds = old.DeletionGracePeriodSeconds;
        meta.ManagedFields ??= old.ManagedFields;
    }

    /// <summary>errors.NewInvalid: a 422 with the aggregated message and one cause per field error; null without errors.</summary>
    public static ApiError? Invalid(string kind, string? name, ErrorList errors) =>
        errors.IsEmpty
            ? null
            : ApiError.Invalid(kind, name ?? "", errors.ToStatusMessage(kind, name ?? ""), errors.Select(e => new FieldCause(e.Reason, e.Body, e.Field)).ToList());

    /// <summary>DeleteOptions.preconditions (uid, resourceVersion) against the stored object's metadata.</summary>
    public static ApiError? CheckPreconditions(V1ObjectMeta meta, V1Preconditions? preconditions, string resource)
    {
        if (preconditions?.Uid is { } uid && uid != meta.Uid)
        {
            return ApiError.Conflict(resource, meta.Name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {meta.Uid}");
        }

        if (preconditions?.ResourceVersion is { } rv && rv != meta.ResourceVersion)
        {
            return ApiError.Conflict(resource, meta.Name, $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {meta.ResourceVersion}");
        }

        return null;
    }

    /// <summary>The DELETE body (DeleteOptions, may be empty) with <c>gracePeriodSeconds</c> from the query, and whether it is a dry run.</summary>
    public static async Task<(V1DeleteOptions? Options, bool DryRun, ApiError? Error)> ReadDeleteOptionsAsync(HttpRequest request)
    {
        var (text, error) = await RequestBody.ReadTextAsync(request).ConfigureAwait(false);
        var options = new V1DeleteOptions();
        if (!string.IsNullOrWhiteSpace(text))
        {
            var (node, parseError) = RequestBody.ParseObject(text);
            (options, error) = node is null ? (null, parseError) : RequestBody.Decode<V1DeleteOptions>(node);
        }

        if (options is null)
        {
            return (null, false, error);
        }

        if (long.TryParse(request.Query["gracePeriodSeconds"], out var grace))
        {
            options.GracePeriodSeconds = grace;
        }

        return (options, WriteOptions.From(request).DryRun || options.DryRun?.Contains("All") == true, null);
    }

    /// <summary>An apply configuration (YAML or JSON) as JSON text, without status and managedFields.</summary>
    public static (string?, ApiError?) ApplyConfigurationJson(string body)
    {
        var (node, error) = RequestBody.ParseObject(body);
        if (node is null)
        {
            return (null, error);
        }

        node.Remove("status");
        (node["metadata"] as JsonObject)?.Remove("managedFields");
        return (node.ToJsonString(), null);
    }

    /// <summary>Mirrors apiserver names.SimpleNameGenerator: five characters from a consonant-and-digit alphabet.</summary>
    public static string RandomSuffix() =>
        string.Create(5, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = GenerateNameAlphabet[RandomNumberGenerator.GetInt32(GenerateNameAlphabet.Length)];
            }
        });
}
