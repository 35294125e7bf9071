using System.Text.RegularExpressions;

namespace Podvisor.Agent.Images;

/// <summary>
/// Mirrors the kubelet's applyDefaultImageTag over parsers.ParseImageName (distribution/reference
/// ParseNormalizedNamed): the image as the runtime is asked for it, <c>:latest</c> appended when it names neither a
/// tag nor a digest, or the parse error as the reference library words it.
/// </summary>
internal static partial class ImageReference
{
    private const int NameTotalLengthMax = 255;

    /// <summary>The image with its default tag; false with <paramref name="error"/> when the reference does not parse.</summary>
    public static bool TryApplyDefaultTag(string image, out string withTag, out string error)
    {
        withTag = image;
        if (Parse(image) is { } parseError)
        {
            error = $"couldn't parse image name {Core.Model.GoFormat.Quote(image)}: {parseError}";
            return false;
        }

        error = "";
        var match = Reference().Match(Normalize(image));
        if (!match.Groups["tag"].Success && !match.Groups["digest"].Success)
        {
            withTag = image + ":latest";
        }

        return true;
    }

    /// <summary>ParseNormalizedNamed's checks; null when the reference is valid.</summary>
    private static string? Parse(string image)
    {
        if (Identifier().IsMatch(image))
        {
            return $"invalid repository name ({image}), cannot specify 64-byte hexadecimal strings";
        }

        var (domain, remainder) = SplitDockerDomain(image);
        var remoteName = remainder.Split(':')[0];
        if (remoteName.Any(char.IsUpper))
        {
            return $"invalid reference format: repository name ({remoteName}) must be lowercase";
        }

        var match = Reference().Match(domain + "/" + remainder);
        if (!match.Success)
        {
            return image.Length == 0 ? "repository name must have at least one component" : "invalid reference format";
        }

        return match.Groups["name"].Length > NameTotalLengthMax ? $"repository name must not be more than {NameTotalLengthMax} characters" : null;
    }

    private static string Normalize(string image)
    {
        var (domain, remainder) = SplitDockerDomain(image);
        return domain + "/" + remainder;
    }

    /// <summary>splitDockerDomain: docker.io (and library/ for one-part names) unless the first part looks like a host.</summary>
    private static (string Domain, string Remainder) SplitDockerDomain(string name)
    {
        var slash = name.IndexOf('/');
        if (slash >= 0)
        {
            var first = name[..slash];
            if (first == "localhost" || first.Contains('.') || first.Contains(':') || first.Any(char.IsUpper))
            {
                return (first, name[(slash + 1)..]);
            }

            return ("docker.io", name);
        }

        return ("docker.io", "library/" + name);
    }

    /// <summary>reference.ReferenceRegexp: name (domain, path components), optional tag, optional digest.</summary>
    [GeneratedRegex(@"^(?<name>(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*)(?::(?<tag>[0-9A-Za-z_][0-9A-Za-z_.-]{0,127}))?(?:@(?<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$")]
    private static partial Regex Reference();

    [GeneratedRegex("^[a-f0-9]{64}$")]
    private static partial Regex Identifier();
}
