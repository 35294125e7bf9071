using Podvisor.Core.Model;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace Podvisor.Core.Serialization;

/// <summary>
/// Strict reading of user manifests for <c>podvisor run/validate</c>: YAML (one or more <c>---</c> documents) or JSON
/// (one object), each a <c>v1</c> Pod, ConfigMap or Secret, or a <c>v1</c> List of them. Unknown and duplicate fields are errors named by
/// their full path, like kube-apiserver strict decoding; other kinds are rejected by name.
/// </summary>
public static class ManifestReader
{
    private const string PodsOnly = "podvisor runs v1 Pods";
    private static readonly HashSet<string> ListKinds = ["List", "PodList"];

    /// <summary>Reads <paramref name="text"/>; <paramref name="sourceName"/> (usually the file name) prefixes every error.</summary>
    public static ManifestResult Read(string text, string sourceName)
    {
        var reader = new DocumentReader(sourceName);
        var trimmed = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            var (node, error) = JsonTreeReader.Read(text);
            if (error is not null)
            {
                reader.Fail(null, null, null, $"invalid JSON at line {error.Line}, column {error.Column}: {error.Message}");
            }
            else
            {
                reader.ReadDocument(node!, document: null);
            }
        }
        else
        {
            var (documents, error) = YamlTreeReader.Read(text);
            for (var i = 0; i < documents.Count; i++)
            {
                if (documents[i] is { } node)
                {
                    reader.ReadDocument(node, i + 1);
                }
            }

            if (error is not null)
            {
                reader.Fail(documents.Count + 1, null, null,
                    $"invalid YAML at line {error.Line}, column {error.Column}: {error.Message}");
            }
        }

        return reader.Result();
    }

    private sealed class DocumentReader(string source)
    {
        private readonly List<V1Pod> pods = [];
        private readonly List<V1ConfigMap> configMaps = [];
        private readonly List<V1Secret> secrets = [];
        private readonly List<ManifestError> errors = [];

        public ManifestResult Result() => new(pods, errors) { ConfigMaps = configMaps, Secrets = secrets };

        public void Fail(int? document, int? item, int? line, string message) =>
            errors.Add(new ManifestError(source, document, item, line, message));

        public void ReadDocument(ManifestNode node, int? document)
        {
            if (node is not MappingNode mapping)
            {
                Fail(document, null, node.Line, "expected a Kubernetes object (a mapping with apiVersion and kind)");
                return;
            }

            var kind = mapping.GetText("kind");
            if (kind is not null && ListKinds.Contains(kind) && mapping.GetText("apiVersion") == "v1")
            {
                ReadList(mapping, document);
                return;
            }

            ReadObject(mapping, document, item: null);
        }

        private void ReadList(MappingNode list, int? document)
        {
            var extra = list.Entries.Where(e => e.Key.Text is not ("apiVersion" or "kind" or "items" or "metadata"));
            foreach (var (key, _) in extra)
            {
                Fail(document, null, key.Line, $"unknown field {GoFormat.Quote(key.Text)}");
            }

            if (list.Get("items") is not SequenceNode items)
            {
                Fail(document, null, list.Line, "a List needs items: a list of Pods");
                return;
            }

            for (var i = 0; i < items.Items.Count; i++)
            {
                if (items.Items[i] is MappingNode pod)
                {
                    ReadObject(pod, document, i + 1);
                }
                else
                {
                    Fail(document, i + 1, items.Items[i].Line, "expected a Pod object");
                }
            }
        }

        private void ReadObject(MappingNode mapping, int? document, int? item)
        {
            var kind = mapping.GetText("kind");
            var apiVersion = mapping.GetText("apiVersion");
            var known = kind is "Pod" or "ConfigMap" or "Secret";
            var problem = (known, apiVersion) switch
            {
                _ when string.IsNullOrEmpty(kind) => $"kind is missing; {PodsOnly}",
                (true, null or "") => $"apiVersion is missing; {PodsOnly}",
                (true, "v1") => null,
                (true, _) => $"apiVersion {GoFormat.Quote(apiVersion!)} is not supported for kind {GoFormat.Quote(kind!)}; {PodsOnly}",
                _ => $"kind {GoFormat.Quote(kind!)} is not supported; {PodsOnly}",
            };
            if (problem is not null)
            {
                Fail(document, item, mapping.Line, problem);
                return;
            }

            switch (kind)
            {
                case "Pod":
                    Read(mapping, document, item, pods);
                    break;
                case "ConfigMap":
                    Read(mapping, document, item, configMaps);
                    break;
                default:
                    Read(mapping, document, item, secrets);
                    break;
            }
        }

        private void Read<T>(MappingNode mapping, int? document, int? item, List<T> into)
            where T : class
        {
            var (json, issues) = NodeBinder.Bind(mapping, typeof(T));
            foreach (var issue in issues)
            {
                Fail(document, item, issue.Line, issue.Message);
            }

            if (issues.Count > 0)
            {
                return;
            }

            try
            {
                into.Add(KubernetesJson.Deserialize<T>(json));
            }
            catch (Exception e) when (e is JsonException or FormatException or ArgumentException or InvalidOperationException or OverflowException)
            {
                Fail(document, item, null, $"cannot decode the {mapping.GetText("kind")}: {e.Message}");
            }
        }
    }
}
