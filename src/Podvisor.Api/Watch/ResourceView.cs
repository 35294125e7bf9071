using Podvisor.Api.Store;

namespace Podvisor.Api.Watch;

/// <summary>
/// How a stored kind is presented on one API path: the group/version of its objects and lists, and each object's
/// JSON. Core events are also served as <c>events.k8s.io/v1</c> (upstream: one storage, two versions).
/// </summary>
internal sealed record ResourceView(string ApiVersion, Func<StoredObject, byte[]> Json)
{
    public static readonly ResourceView Core = new("v1", o => o.Json);
}

/// <summary>The listMeta of one page.</summary>
internal sealed record ListMeta(long ResourceVersion, string? Continue = null, long? RemainingItemCount = null);
