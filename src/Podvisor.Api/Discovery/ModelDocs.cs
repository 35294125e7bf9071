using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

namespace Podvisor.Api.Discovery;

/// <summary>
/// Field and type descriptions of the k8s.Models classes, from the XML documentation KubernetesClient ships (its
/// summaries are the upstream Go doc comments the OpenAPI descriptions come from). The file is copied next to the
/// assembly at build; without it the schemas have no descriptions.
/// </summary>
internal sealed partial class ModelDocs
{
    private const string FileName = "KubernetesClient.xml";

    private readonly Dictionary<string, string> _summaries;

    private ModelDocs(Dictionary<string, string> summaries) => _summaries = summaries;

    public static ModelDocs Empty { get; } = new([]);

    /// <summary>Reads the documentation next to the assembly (or an empty set when it is not there).</summary>
    public static ModelDocs Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, FileName);
        return File.Exists(path) ? Parse(File.OpenRead(path)) : Empty;
    }

    public static ModelDocs Parse(Stream xml)
    {
        var summaries = new Dictionary<string, string>(StringComparer.Ordinal);
        using (xml)
        using (var reader = XmlReader.Create(xml, new XmlReaderSettings { IgnoreWhitespace = true }))
        {
            reader.MoveToContent();
            while (reader.ReadToFollowing("member"))
            {
                var name = reader.GetAttribute("name");
                if (name is null || !(name.StartsWith("P:k8s.Models.", StringComparison.Ordinal) || name.StartsWith("T:k8s.Models.", StringComparison.Ordinal)))
                {
                    continue;
                }

                if (XElement.Load(reader.ReadSubtree()).Element("summary")?.Value is { } summary)
                {
                    summaries[name] = Whitespace().Replace(summary, " ").Trim();
                }
            }
        }

        return new ModelDocs(summaries);
    }

    public string? Type(Type type) => _summaries.GetValueOrDefault("T:" + type.FullName);

    public string? Property(Type type, string property) => _summaries.GetValueOrDefault($"P:{type.FullName}.{property}");

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
