using k8s.Models;
using Podvisor.Api.Http;
using Podvisor.Api.Store;

namespace Podvisor.Api.Pods;

/// <summary>
/// Graceful pod deletion. Mirrors podStrategy.CheckGracefulDelete and the registry's BeforeDelete: the first delete
/// sets deletionTimestamp and deletionGracePeriodSeconds and tells the agent; the object is removed when the agent
/// reports PodTerminated. A grace period of 0 (or an unbound or finished pod) removes the object at once.
/// </summary>
internal sealed class PodDeleter(ApiContext api)
{
    private const int MaxAttempts = 8;

    public async Task<WriteResult> DeleteAsync(string ns, string name, V1DeleteOptions options, bool dryRun)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (api.Store.Get(ResourceKind.Pods, ns, name) is not { } current)
            {
                return WriteResult.Fail(ApiError.NotFound("pods", name));
            }

            var pod = current.CloneAs<V1Pod>();
            if (Objects.ObjectWrites.CheckPreconditions(pod.Metadata, options.Preconditions, "pods") is { } failed)
            {
                return WriteResult.Fail(failed);
            }

            var grace = GracePeriod(pod, options.GracePeriodSeconds);
            var previousGrace = pod.Metadata.DeletionGracePeriodSeconds;
            if (previousGrace is { } previous && previous <= grace && grace != 0)
            {
                return new WriteResult((V1Pod)current.Object, null, []);
            }

            if (dryRun)
            {
                return new WriteResult(pod, null, []);
            }

            var outcome = grace == 0 ? await RemoveNowAsync(current).ConfigureAwait(false) : await MarkForDeletionAsync(pod, grace, current.ResourceVersion).ConfigureAwait(false);
            if (outcome is not null)
            {
                return outcome;
            }
        }

        return WriteResult.Fail(ApiError.Modified("pods", name));
    }

    private async Task<WriteResult?> RemoveNowAsync(StoredObject current)
    {
        var removed = await api.Store.DeleteAsync(ResourceKind.Pods, current.Namespace, current.Name, current.Uid).ConfigureAwait(false);
        if (removed.Outcome != StoreOutcome.Ok)
        {
            return null;
        }

        api.Agent?.DeletePod(current.Uid, 0);
        return new WriteResult((V1Pod)removed.Object!.Object, null, []);
    }

    private async Task<WriteResult?> MarkForDeletionAsync(V1Pod pod, long grace, long expectedVersion)
    {
        pod.Metadata.DeletionTimestamp = api.NowTruncated.AddSeconds(grace);
        pod.Metadata.DeletionGracePeriodSeconds = grace;
        var updated = await api.Store.UpdateAsync(ResourceKind.Pods, pod, expectedVersion).ConfigureAwait(false);
        if (updated.Outcome != StoreOutcome.Ok)
        {
            return null;
        }

        api.Agent?.DeletePod(pod.Metadata.Uid, grace);
        return new WriteResult((V1Pod)updated.Object!.Object, null, []);
    }

    /// <summary>CheckGracefulDelete: the requested period, else the pod's; 0 for pods never bound or already terminal; negative means 1.</summary>
    private static long GracePeriod(V1Pod pod, long? requested)
    {
        var grace = requested ?? pod.Spec?.TerminationGracePeriodSeconds ?? 30;
        if (string.IsNullOrEmpty(pod.Spec?.NodeName) || pod.Status?.Phase is "Succeeded" or "Failed")
        {
            return 0;
        }

        return grace < 0 ? 1 : grace;
    }
}
