using System.Text;
using k8s.Models;

namespace Podvisor.Core.Serialization;

/// <summary>
/// One decoding error, located as precisely as known. Renders as
/// <c>pod.yaml: document 2: line 12: unknown field "spec.x"</c> (document for YAML streams, item for List entries).
/// </summary>
public sealed record ManifestError(string Source, int? Document, int? Item, int? Line, string Message)
{
    public override string ToString()
    {
        var sb = new StringBuilder(Source);
        if (Document is { } document)
        {
            sb.Append(": document ").Append(document);
        }

        if (Item is { } item)
        {
            sb.Append(": item ").Append(item);
        }

        if (Line is { } line and > 0)
        {
            sb.Append(": line ").Append(line);
        }

        return sb.Append(": ").Append(Message).ToString();
    }
}

/// <summary>
/// The pods (and the ConfigMaps and Secrets next to them) read from a manifest, and every error found. Callers must
/// treat any error as invalid input (the CLI exits 2): the lists hold only the documents that decoded cleanly.
/// </summary>
public sealed record ManifestResult(IReadOnlyList<V1Pod> Pods, IReadOnlyList<ManifestError> Errors)
{
    public IReadOnlyList<V1ConfigMap> ConfigMaps { get; init; } = [];

    public IReadOnlyList<V1Secret> Secrets { get; init; } = [];

    public bool IsValid => Errors.Count == 0;

    /// <summary>All errors, one per line, for stderr.</summary>
    public string ErrorText => string.Join(Environment.NewLine, Errors);
}
