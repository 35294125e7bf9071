using System.Text;
using k8s;
using k8s.Models;

namespace Podvisor.Api.Store;

/// <summary>
/// One immutable version of an API object as the store holds it: the typed object (never mutated after it is stored)
/// and its serialized JSON, so list and watch copy bytes instead of serializing again.
/// </summary>
internal sealed class StoredObject
{
    private byte[]? _metadataJson;

    public StoredObject(ResourceKind kind, IKubernetesObject<V1ObjectMeta> obj, long resourceVersion)
    {
        Kind = kind;
        Object = obj;
        ResourceVersion = resourceVersion;
        Json = Encoding.UTF8.GetBytes(KubernetesJson.Serialize(obj));
    }

    public ResourceKind Kind { get; }

    public IKubernetesObject<V1ObjectMeta> Object { get; }

    public long ResourceVersion { get; }

    public byte[] Json { get; }

    public V1ObjectMeta Metadata => Object.Metadata;

    public string Namespace => Object.Metadata.NamespaceProperty ?? "";

    public string Name => Object.Metadata.Name;

    public string Uid => Object.Metadata.Uid ?? "";

    public string Key => StoreKey(Namespace, Name);

    /// <summary>metadata only, for Table rows with includeObject=Metadata (PartialObjectMetadata).</summary>
    public byte[] MetadataJson => _metadataJson ??= Encoding.UTF8.GetBytes(KubernetesJson.Serialize(Object.Metadata));

    public static string StoreKey(string? ns, string name) => (ns ?? "") + "/" + name;

    /// <summary>A private, mutable deep copy of the object (for read-modify-write).</summary>
    public T CloneAs<T>()
        where T : class => KubernetesJson.Deserialize<T>(Encoding.UTF8.GetString(Json));
}
