using System.Collections.Concurrent;
using k8s.Models;
using Podvisor.Node.Abstractions;

namespace Podvisor.Agent.Tests.Support;

/// <summary>ConfigMaps and Secrets held in memory, with a count of reads (each env resolution reads an object once).</summary>
public sealed class InMemoryConfigObjects : IConfigObjects
{
    private readonly ConcurrentDictionary<(string Kind, string Ns, string Name), object> _objects = new();
    private int _reads;

    public int Reads => _reads;

    public void Put(V1ConfigMap configMap) =>
        _objects[("ConfigMap", configMap.Metadata.NamespaceProperty ?? "default", configMap.Metadata.Name)] = configMap;

    public void Put(V1Secret secret) =>
        _objects[("Secret", secret.Metadata.NamespaceProperty ?? "default", secret.Metadata.Name)] = secret;

    public void Remove(string kind, string name) => _objects.TryRemove((kind, "default", name), out _);

    public V1ConfigMap? GetConfigMap(string ns, string name) => Get<V1ConfigMap>("ConfigMap", ns, name);

    public V1Secret? GetSecret(string ns, string name) => Get<V1Secret>("Secret", ns, name);

    public static V1ConfigMap ConfigMap(string name, Dictionary<string, string> data) =>
        new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" }, Data = data };

    public static V1Secret Secret(string name, Dictionary<string, string> data) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Data = data.ToDictionary(kv => kv.Key, kv => System.Text.Encoding.UTF8.GetBytes(kv.Value)),
    };

    private T? Get<T>(string kind, string ns, string name)
        where T : class
    {
        Interlocked.Increment(ref _reads);
        return _objects.TryGetValue((kind, ns, name), out var obj) ? (T)obj : null;
    }
}
