using k8s.Models;
using Podvisor.Api.Objects;
using Podvisor.Api.Store;

namespace Podvisor.Api.Namespaces;

/// <summary>
/// What a cluster's controllers put in every namespace: the <c>default</c> ServiceAccount (the serviceaccounts
/// controller) and the <c>kube-root-ca.crt</c> ConfigMap holding the API's CA as <c>ca.crt</c> (the root CA
/// publisher). Ensured when a namespace is created and for every namespace when serve starts (which also brings a
/// changed CA into the ConfigMaps); an object a user deleted comes back at the next start, not at once.
/// </summary>
internal sealed class NamespaceDefaults(ApiContext api, string caPem)
{
    public const string DefaultServiceAccount = "default";
    public const string RootCaConfigMap = "kube-root-ca.crt";

    public async Task EnsureAllAsync()
    {
        foreach (var ns in api.Store.List(ResourceKind.Namespaces, null).Items)
        {
            await EnsureAsync(ns.Metadata.Name).ConfigureAwait(false);
        }
    }

    public async Task EnsureAsync(string ns)
    {
        if (api.Store.Get(ResourceKind.ServiceAccounts, ns, DefaultServiceAccount) is null)
        {
            await CreateAsync(ResourceKind.ServiceAccounts, new V1ServiceAccount
            {
                ApiVersion = "v1", Kind = "ServiceAccount", Metadata = new V1ObjectMeta { Name = DefaultServiceAccount },
            }, ns).ConfigureAwait(false);
        }

        var stored = api.Store.Get(ResourceKind.ConfigMaps, ns, RootCaConfigMap);
        if (stored is null)
        {
            await CreateAsync(ResourceKind.ConfigMaps, new V1ConfigMap
            {
                ApiVersion = "v1",
                Kind = "ConfigMap",
                Metadata = new V1ObjectMeta
                {
                    Name = RootCaConfigMap,
                    Annotations = new Dictionary<string, string> { ["kubernetes.io/description"] = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters." },
                },
                Data = new Dictionary<string, string> { ["ca.crt"] = caPem },
            }, ns).ConfigureAwait(false);
        }
        else if (stored.Object is V1ConfigMap current && (current.Data is null || !current.Data.TryGetValue("ca.crt", out var ca) || ca != caPem))
        {
            var updated = stored.CloneAs<V1ConfigMap>();
            updated.Data ??= new Dictionary<string, string>();
            updated.Data["ca.crt"] = caPem;
            await api.Store.UpdateAsync(ResourceKind.ConfigMaps, updated, stored.ResourceVersion).ConfigureAwait(false);
            api.Agent?.ConfigObjectsChanged(ns);
        }
    }

    private async Task CreateAsync(ResourceKind kind, k8s.IKubernetesObject<V1ObjectMeta> obj, string ns)
    {
        ObjectWrites.PrepareMetaForCreate(obj.Metadata, ns, api.NowTruncated);
        await api.Store.CreateAsync(kind, obj).ConfigureAwait(false); // AlreadyExists: a concurrent ensure made it
        api.Agent?.ConfigObjectsChanged(ns);
    }
}
