using k8s.Models;
using Podvisor.Api.Http;
using Podvisor.Api.Namespaces;
using Podvisor.Api.Objects;
using Podvisor.Api.Store;
using Podvisor.Core.Model;
using Podvisor.Node.Abstractions;

namespace Podvisor.Api.Auth;

/// <summary>
/// The ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount/admission.go) on pod create: the service
/// account defaults to <c>default</c> and must exist; unless automounting is off (the pod's
/// <c>automountServiceAccountToken</c>, else the service account's), a projected <c>kube-api-access-XXXXX</c> volume
/// (token, <c>ca.crt</c>, <c>namespace</c>) is added and mounted read-only at
/// <see cref="TokenMountPath"/> in every init and regular container that has no mount there.
/// </summary>
internal static class ServiceAccountAdmission
{
    private const string TokenMountPath = ServiceAccountCredentials.MountPath;
    private const string VolumePrefix = "kube-api-access-";

    /// <summary>Mutates <paramref name="pod"/>; a 403 when its service account does not exist.</summary>
    public static ApiError? Admit(ApiContext api, V1Pod pod)
    {
        var spec = pod.Spec;
        if (string.IsNullOrEmpty(spec.ServiceAccountName))
        {
            spec.ServiceAccountName = string.IsNullOrEmpty(spec.ServiceAccount) ? NamespaceDefaults.DefaultServiceAccount : spec.ServiceAccount;
        }

        spec.ServiceAccount = spec.ServiceAccountName; // the v1 conversion's deprecated mirror
        var ns = pod.Metadata.NamespaceProperty;
        if (api.Store.Get(ResourceKind.ServiceAccounts, ns, spec.ServiceAccountName)?.Object is not V1ServiceAccount account)
        {
            return ApiError.Forbidden("pods", pod.Metadata.Name ?? "",
                $"error looking up service account {ns}/{spec.ServiceAccountName}: serviceaccount \"{spec.ServiceAccountName}\" not found");
        }

        if (spec.AutomountServiceAccountToken ?? account.AutomountServiceAccountToken ?? true)
        {
            MountToken(spec);
        }

        return null;
    }

    private static void MountToken(V1PodSpec spec)
    {
        var existing = spec.Volumes?.FirstOrDefault(v => v.Name?.StartsWith(VolumePrefix, StringComparison.Ordinal) == true);
        var volumeName = existing?.Name ?? VolumePrefix + ObjectWrites.RandomSuffix();
        var needed = false;
        foreach (var container in spec.InitContainersOrEmpty().Concat(spec.ContainersOrEmpty()))
        {
            if (container.VolumeMounts?.Any(m => m.MountPath == TokenMountPath) != true)
            {
                container.VolumeMounts ??= [];
                container.VolumeMounts.Add(new V1VolumeMount { Name = volumeName, ReadOnlyProperty = true, MountPath = TokenMountPath });
                needed = true;
            }
        }

        if (existing is null && needed)
        {
            spec.Volumes ??= [];
            spec.Volumes.Add(new V1Volume
            {
                Name = volumeName,
                Projected = new V1ProjectedVolumeSource
                {
                    DefaultMode = 420,
                    Sources =
                    [
                        new V1VolumeProjection { ServiceAccountToken = new V1ServiceAccountTokenProjection { Path = "token", ExpirationSeconds = 3607 } },
                        new V1VolumeProjection
                        {
                            ConfigMap = new V1ConfigMapProjection { Name = NamespaceDefaults.RootCaConfigMap, Items = [new V1KeyToPath { Key = "ca.crt", Path = "ca.crt" }] },
                        },
                        new V1VolumeProjection
                        {
                            DownwardAPI = new V1DownwardAPIProjection
                            {
                                Items = [new V1DownwardAPIVolumeFile { Path = "namespace", FieldRef = new V1ObjectFieldSelector { ApiVersion = "v1", FieldPath = "metadata.namespace" } }],
                            },
                        },
                    ],
                },
            });
        }
    }
}
