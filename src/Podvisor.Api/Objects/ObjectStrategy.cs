using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Podvisor.Api.Http;
using Podvisor.Api.Pods;
using Podvisor.Api.Store;
using Podvisor.Core.Validation;

namespace Podvisor.Api.Objects;

/// <summary>
/// The per-kind part of a plain namespaced resource (upstream: its RESTCreateStrategy/RESTUpdateStrategy): decoding,
/// defaulting and normalization before a write, and validation. Everything else is <see cref="ObjectEndpoints"/>.
/// </summary>
internal interface IObjectStrategy
{
    ResourceKind Kind { get; }

    (IKubernetesObject<V1ObjectMeta>? Object, ApiError? Error, IReadOnlyList<string> Warnings) Decode(JsonObject body, WriteOptions options);

    /// <summary>Defaults and conversion to the stored form (e.g. a secret's stringData into data); also on update.</summary>
    void Normalize(IKubernetesObject<V1ObjectMeta> obj);

    ErrorList ValidateCreate(IKubernetesObject<V1ObjectMeta> obj);

    ErrorList ValidateUpdate(IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old);
}

/// <summary>A typed <see cref="IObjectStrategy"/>.</summary>
internal abstract class ObjectStrategy<T>(ResourceKind kind) : IObjectStrategy
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public ResourceKind Kind { get; } = kind;

    public (IKubernetesObject<V1ObjectMeta>? Object, ApiError? Error, IReadOnlyList<string> Warnings) Decode(JsonObject body, WriteOptions options) =>
        ObjectDecoder.Decode<T>(body, options, Kind.Kind);

    public void Normalize(IKubernetesObject<V1ObjectMeta> obj) => Normalize((T)obj);

    public ErrorList ValidateCreate(IKubernetesObject<V1ObjectMeta> obj) => Validate((T)obj);

    public ErrorList ValidateUpdate(IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old) => ValidateUpdate((T)obj, (T)old);

    protected virtual void Normalize(T obj)
    {
    }

    protected abstract ErrorList Validate(T obj);

    protected abstract ErrorList ValidateUpdate(T obj, T old);
}

/// <summary>configMapStrategy (pkg/registry/core/configmap/strategy.go).</summary>
internal sealed class ConfigMapStrategy() : ObjectStrategy<V1ConfigMap>(ResourceKind.ConfigMaps)
{
    protected override ErrorList Validate(V1ConfigMap obj) => ConfigObjectValidation.ValidateConfigMap(obj);

    protected override ErrorList ValidateUpdate(V1ConfigMap obj, V1ConfigMap old) => ConfigObjectValidation.ValidateConfigMapUpdate(obj, old);
}

/// <summary>
/// secretStrategy (pkg/registry/core/secret/strategy.go) with the v1 conversion and defaulting
/// (<see cref="ConfigObjectValidation.DefaultSecret"/>).
/// </summary>
internal sealed class SecretStrategy() : ObjectStrategy<V1Secret>(ResourceKind.Secrets)
{
    protected override void Normalize(V1Secret obj) => ConfigObjectValidation.DefaultSecret(obj);

    protected override ErrorList Validate(V1Secret obj) => ConfigObjectValidation.ValidateSecret(obj);

    protected override ErrorList ValidateUpdate(V1Secret obj, V1Secret old) => ConfigObjectValidation.ValidateSecretUpdate(obj, old);
}

/// <summary>serviceAccountStrategy (pkg/registry/core/serviceaccount/strategy.go): ValidateServiceAccount is the object meta's.</summary>
internal sealed class ServiceAccountStrategy() : ObjectStrategy<V1ServiceAccount>(ResourceKind.ServiceAccounts)
{
    protected override ErrorList Validate(V1ServiceAccount obj) => new(ObjectMetaValidation.ValidateCreate(obj.Metadata, FieldPath.Root("metadata")));

    protected override ErrorList ValidateUpdate(V1ServiceAccount obj, V1ServiceAccount old) =>
        new(ObjectMetaValidation.ValidateUpdate(obj.Metadata, old.Metadata, FieldPath.Root("metadata")));
}
