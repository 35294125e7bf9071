using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Podvisor.Api.Http;
using Podvisor.Api.Objects;
using Podvisor.Api.Patching;
using Podvisor.Api.Store;
using Podvisor.Core.Model;
using Podvisor.Core.Status;

namespace Podvisor.Api.Pods;

/// <summary>
/// Pod create, update, patch and status writes: decode, default, validate, prepare (upstream podStrategy
/// PrepareForCreate/PrepareForUpdate), commit with optimistic concurrency, then hand the pod to the agent.
/// Nothing is stored when any step fails.
/// </summary>
internal sealed class PodWriter(ApiContext api)
{
    private const int MaxAttempts = 8;

    public async Task<WriteResult> CreateAsync(string ns, JsonObject body, WriteOptions options)
    {
        var (pod, error, warnings) = PodDecoder.Decode(body, options);
        if (pod is null)
        {
            return WriteResult.Fail(error!);
        }

        if (pod.Metadata.NamespaceProperty is { Length: > 0 } bodyNs && bodyNs != ns)
        {
            return WriteResult.Fail(ApiError.BadRequest("the namespace of the provided object does not match the namespace sent on the request"));
        }

        return await CreateDecodedAsync(ns, pod, options, warnings).ConfigureAwait(false);
    }

    public Task<WriteResult> UpdateAsync(string ns, string name, JsonObject body, WriteOptions options, bool statusOnly)
    {
        var (pod, error, warnings) = PodDecoder.Decode(body, options);
        if (pod is null)
        {
            return Task.FromResult(WriteResult.Fail(error!));
        }

        if (pod.Metadata.Name != name)
        {
            return Task.FromResult(WriteResult.Fail(ApiError.BadRequest($"the name of the object ({pod.Metadata.Name}) does not match the name on the URL ({name})")));
        }

        var explicitVersion = pod.Metadata.ResourceVersion;
        return RetryAsync(ns, name, warnings, current => CommitAsync(current, KubeObject.DeepCopy(pod), explicitVersion, options, statusOnly));
    }

    public async Task<WriteResult> PatchAsync(string ns, string name, string patchType, string body, WriteOptions options, bool statusOnly)
    {
        if (patchType == PatchTypes.Apply && api.Store.Get(ResourceKind.Pods, ns, name) is null && !statusOnly)
        {
            var (applied, parseError) = RequestBody.ParseObject(body);
            return applied is null ? WriteResult.Fail(parseError!) : await CreateAsync(ns, applied, options).ConfigureAwait(false);
        }

        var warnings = new List<string>();
        return await RetryAsync(ns, name, warnings, async current =>
        {
            var patchBody = patchType == PatchTypes.Apply ? ObjectWrites.ApplyConfigurationJson(body) : (body, null);
            if (patchBody.Item2 is { } applyError)
            {
                return WriteResult.Fail(applyError);
            }

            var (patched, patchError) = PatchTypes.ApplyPatch(patchType, JsonNode.Parse(current.Json)!, patchBody.Item1!);
            if (patched is not JsonObject patchedObject)
            {
                return WriteResult.Fail(patchError ?? ApiError.BadRequest("the patch did not produce an object"));
            }

            var (pod, error, decodeWarnings) = PodDecoder.Decode(patchedObject, options);
            warnings.AddRange(decodeWarnings);
            // The patched object carries the current resourceVersion unless the patch set another: only a version the
            // client chose is a precondition; otherwise a conflict re-applies the patch to the newer object (upstream patcher).
            var explicitVersion = pod?.Metadata.ResourceVersion == current.ResourceVersion.ToString(CultureInfo.InvariantCulture) ? null : pod?.Metadata.ResourceVersion;
            return pod is null ? WriteResult.Fail(error!) : await CommitAsync(current, pod, explicitVersion, options, statusOnly).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <summary>Decoded pod to stored pod (also used by server-side apply of a pod that does not exist yet).</summary>
    private async Task<WriteResult> CreateDecodedAsync(string ns, V1Pod pod, WriteOptions options, IReadOnlyList<string> warnings)
    {
        ObjectWrites.PrepareMetaForCreate(pod.Metadata, ns, api.NowTruncated);
        if (ObjectWrites.CheckNamespace(api, ns, "pods", pod.Metadata.Name) is { } refused)
        {
            return WriteResult.Fail(refused);
        }

        if (PodAdmission.AdmitCreate(api, pod) is { } invalid)
        {
            return WriteResult.Fail(invalid, warnings);
        }

        PrepareForCreate(pod);
        if (options.DryRun)
        {
            return new WriteResult(pod, null, warnings, 201);
        }

        var result = await api.Store.CreateAsync(ResourceKind.Pods, pod).ConfigureAwait(false);
        if (result.Outcome == StoreOutcome.AlreadyExists)
        {
            return WriteResult.Fail(ApiError.AlreadyExists("pods", pod.Metadata.Name), warnings);
        }

        api.Agent?.UpsertPod(result.Object!.CloneAs<V1Pod>());
        return new WriteResult((V1Pod)result.Object!.Object, null, warnings, 201);
    }

    private void PrepareForCreate(V1Pod pod)
    {
        pod.Metadata.Generation = 1;
        if (string.IsNullOrEmpty(pod.Spec.NodeName))
        {
            pod.Spec.NodeName = api.NodeName;
        }

        pod.Status = new V1PodStatus { Phase = "Pending", QosClass = PodQos.Compute(pod.Spec) };
    }

    /// <summary>GuaranteedUpdate: re-reads and retries on a concurrent write unless the client pinned a resourceVersion.</summary>
    private async Task<WriteResult> RetryAsync(string ns, string name, IReadOnlyList<string> warnings, Func<StoredObject, Task<WriteResult>> attempt)
    {
        for (var i = 0; i < MaxAttempts; i++)
        {
            if (api.Store.Get(ResourceKind.Pods, ns, name) is not { } current)
            {
                return WriteResult.Fail(ApiError.NotFound("pods", name), warnings);
            }

            var result = await attempt(current).ConfigureAwait(false);
            if (!result.Retry)
            {
                return result with { Warnings = warnings.Concat(result.Warnings).Distinct().ToList() };
            }
        }

        return WriteResult.Fail(ApiError.Modified("pods", name), warnings);
    }

    private async Task<WriteResult> CommitAsync(StoredObject current, V1Pod desired, string? explicitVersion, WriteOptions options, bool statusOnly)
    {
        var old = current.CloneAs<V1Pod>();
        var name = old.Metadata.Name;
        if (!string.IsNullOrEmpty(explicitVersion) && explicitVersion != old.Metadata.ResourceVersion)
        {
            return WriteResult.Fail(ApiError.Modified("pods", name));
        }

        var pod = statusOnly ? WithStatus(old, desired.Status) : PrepareForUpdate(desired, old);
        var invalid = statusOnly ? PodAdmission.AdmitStatusUpdate(pod) : PodAdmission.AdmitUpdate(pod, old, api.Gates);
        if (invalid is not null)
        {
            return WriteResult.Fail(invalid);
        }

        if (options.DryRun)
        {
            return new WriteResult(pod, null, []);
        }

        var result = await api.Store.UpdateAsync(ResourceKind.Pods, pod, current.ResourceVersion).ConfigureAwait(false);
        if (result.Outcome == StoreOutcome.Conflict)
        {
            return string.IsNullOrEmpty(explicitVersion) ? WriteResult.RetryLater : WriteResult.Fail(ApiError.Modified("pods", name));
        }

        // A status write by another client reaches the agent too, as a kubelet sees it in its pod watch: conditions
        // such as readiness gates take part in the next status generation.
        api.Agent?.UpsertPod(result.Object!.CloneAs<V1Pod>());

        return new WriteResult((V1Pod)result.Object!.Object, null, []);
    }

    /// <summary>Mirrors podStrategy.PrepareForUpdate: status and system metadata come from the stored object.</summary>
    private static V1Pod PrepareForUpdate(V1Pod pod, V1Pod old)
    {
        ObjectWrites.PrepareMetaForUpdate(pod.Metadata, old.Metadata);
        var specChanged = KubernetesJson.Serialize(pod.Spec) != KubernetesJson.Serialize(old.Spec);
        pod.Metadata.Generation = (old.Metadata.Generation ?? 1) + (specChanged ? 1 : 0);
        pod.Spec.NodeName ??= old.Spec.NodeName;
        pod.Status = old.Status;
        return pod;
    }

    private static V1Pod WithStatus(V1Pod old, V1PodStatus? status)
    {
        old.Status = status ?? new V1PodStatus();
        return old;
    }
}
