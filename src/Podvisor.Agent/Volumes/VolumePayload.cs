using System.Text;
using k8s.Models;
using Podvisor.Core.Model;
using Podvisor.Node.Abstractions;

namespace Podvisor.Agent.Volumes;

/// <summary>
/// The files of configMap, secret, downwardAPI and projected volumes (with serviceAccountToken sources), as the
/// kubelet's MakePayload / CollectData: every key (or only <c>items</c>, at their paths), <c>defaultMode</c> 0644 unless set, an item's
/// <c>mode</c> over it; a missing optional object gives no files, a missing required one or key the kubelet's error.
/// </summary>
internal static class VolumePayload
{
    private const int DefaultMode = 0b110_100_100; // 0644

    /// <summary>True for the volume types whose files the agent writes from API objects.</summary>
    public static bool IsProjected(V1Volume volume) =>
        volume.ConfigMap is not null || volume.Secret is not null || volume.DownwardAPI is not null || volume.Projected is not null;

    /// <summary>The volume's files; throws <see cref="VolumeSetupException"/> with the kubelet's message.</summary>
    public static List<VolumeFile> Of(V1Volume volume, V1Pod pod, IConfigObjects objects, ServiceAccountTokenCache tokens, AgentOptions options)
    {
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        if (volume.ConfigMap is { } configMap)
        {
            return ConfigMap(configMap.Name, configMap.Items, configMap.Optional, configMap.DefaultMode, ns, objects);
        }

        if (volume.Secret is { } secret)
        {
            return Secret(secret.SecretName, secret.Items, secret.Optional, secret.DefaultMode, ns, objects);
        }

        if (volume.DownwardAPI is { } downward)
        {
            return DownwardApi(downward.Items, downward.DefaultMode, pod, options);
        }

        var projected = volume.Projected!;
        var files = new List<VolumeFile>();
        foreach (var source in projected.Sources ?? [])
        {
            files.AddRange(
                source.ConfigMap is { } c ? ConfigMap(c.Name, c.Items, c.Optional, projected.DefaultMode, ns, objects)
                : source.Secret is { } s ? Secret(s.Name, s.Items, s.Optional, projected.DefaultMode, ns, objects)
                : source.DownwardAPI is { } d ? DownwardApi(d.Items, projected.DefaultMode, pod, options)
                : source.ServiceAccountToken is { } t ? [ServiceAccountToken(t, projected.DefaultMode, pod, tokens)]
                : throw new VolumeSetupException("podvisor projects configMap, secret, downwardAPI and serviceAccountToken sources only (no clusterTrustBundle or podCertificate)"));
        }

        return files;
    }

    private static VolumeFile ServiceAccountToken(V1ServiceAccountTokenProjection source, int? defaultMode, V1Pod pod, ServiceAccountTokenCache tokens)
    {
        try
        {
            return new VolumeFile(source.Path, Encoding.UTF8.GetBytes(tokens.Get(pod, source)), (UnixFileMode)(defaultMode ?? DefaultMode));
        }
        catch (ServiceAccountTokenException e)
        {
            throw new VolumeSetupException(e.Message);
        }
    }

    private static List<VolumeFile> ConfigMap(string name, IList<V1KeyToPath>? items, bool? optional, int? defaultMode, string ns, IConfigObjects objects)
    {
        if (objects.GetConfigMap(ns, name) is not { } configMap)
        {
            return optional == true ? [] : throw new VolumeSetupException($"configmap \"{name}\" not found");
        }

        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (key, value) in configMap.Data ?? new Dictionary<string, string>())
        {
            data[key] = Encoding.UTF8.GetBytes(value);
        }

        foreach (var (key, value) in configMap.BinaryData ?? new Dictionary<string, byte[]>())
        {
            data[key] = value;
        }

        return FromKeys(data, items, optional, defaultMode, key => $"configmap references non-existent config key: {key}");
    }

    private static List<VolumeFile> Secret(string name, IList<V1KeyToPath>? items, bool? optional, int? defaultMode, string ns, IConfigObjects objects)
    {
        if (objects.GetSecret(ns, name) is not { } secret)
        {
            return optional == true ? [] : throw new VolumeSetupException($"secret \"{name}\" not found");
        }

        var data = new Dictionary<string, byte[]>(secret.Data ?? new Dictionary<string, byte[]>(), StringComparer.Ordinal);
        return FromKeys(data, items, optional, defaultMode, key => $"references non-existent secret key: {key}");
    }

    private static List<VolumeFile> FromKeys(
        Dictionary<string, byte[]> data, IList<V1KeyToPath>? items, bool? optional, int? defaultMode, Func<string, string> missingKey)
    {
        var mode = (UnixFileMode)(defaultMode ?? DefaultMode);
        if (items is not { Count: > 0 })
        {
            return data.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new VolumeFile(kv.Key, kv.Value, mode)).ToList();
        }

        var files = new List<VolumeFile>();
        foreach (var item in items)
        {
            if (!data.TryGetValue(item.Key, out var content))
            {
                if (optional == true)
                {
                    continue;
                }

                throw new VolumeSetupException(missingKey(item.Key));
            }

            files.Add(new VolumeFile(item.Path, content, item.Mode is { } m ? (UnixFileMode)m : mode));
        }

        return files;
    }

    private static List<VolumeFile> DownwardApi(IList<V1DownwardAPIVolumeFile>? items, int? defaultMode, V1Pod pod, AgentOptions options)
    {
        var files = new List<VolumeFile>();
        foreach (var item in items ?? [])
        {
            if (item.ResourceFieldRef is { } resourceRef)
            {
                string amount;
                try
                {
                    // A volume's resourceFieldRef names its container (validation requires containerName).
                    amount = ContainerConfigFactory.ResourceFieldValue(pod, new V1Container { Name = "" }, resourceRef, options.Resources);
                }
                catch (ContainerConfigException e)
                {
                    throw new VolumeSetupException(e.Message);
                }

                files.Add(new VolumeFile(item.Path, Encoding.UTF8.GetBytes(amount), (UnixFileMode)(item.Mode ?? defaultMode ?? DefaultMode)));
                continue;
            }

            var path = item.FieldRef?.FieldPath ?? "";
            var value = path switch
            {
                "metadata.labels" => FormatMap(pod.Metadata.Labels),
                "metadata.annotations" => FormatMap(pod.Metadata.Annotations),
                _ => ContainerConfigFactory.FieldValue(pod, path, null, options)
                    ?? throw new VolumeSetupException($"unsupported fieldPath: {path}"),
            };
            files.Add(new VolumeFile(item.Path, Encoding.UTF8.GetBytes(value), (UnixFileMode)(item.Mode ?? defaultMode ?? DefaultMode)));
        }

        return files;
    }

    /// <summary>fieldpath.FormatMap: <c>key="value"</c> lines (Go-quoted) in key order, no trailing newline.</summary>
    private static string FormatMap(IDictionary<string, string>? map) =>
        string.Join('\n', (map ?? new Dictionary<string, string>()).OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => $"{kv.Key}={GoFormat.Quote(kv.Value)}"));
}
